from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from kamtibmas.accounts.demo import DEMO_USERS, demo_otp_instructions
from kamtibmas.areas.models import Area, AreaLevel
from kamtibmas.core.demo import demo_steps
from kamtibmas.notifications.worker import start_worker_thread

# Below this many desa/kelurahan the registry is (re)loaded; the full one has 83,441.
REGISTRY_LOADED_VILLAGES = 80_000


class Command(BaseCommand):
    help = (
        "Set up the demo (migrate, load the area registry, create the demo units, "
        "accounts and records) and serve it on http://127.0.0.1:8000. Running it again "
        "reuses the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Set up only, do not serve.")
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args: Any, no_serve: bool, addrport: str, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                _("The demo creates accounts with a published password: not in production.")
            )
        self.stdout.write(_("Database: %(name)s") % {"name": settings.DATABASES["default"]["NAME"]})
        call_command("migrate", interactive=False, verbosity=0)
        if Area.objects.filter(level=AreaLevel.VILLAGE).count() < REGISTRY_LOADED_VILLAGES:
            call_command("load_areas", stdout=self.stdout, stderr=self.stderr)
        for name, step in demo_steps():
            with transaction.atomic():
                step()
            self.stdout.write(_("Demo data ready: %(step)s") % {"step": name.split(".")[1]})
        self._print_accounts(addrport)
        self._print_demo_case(addrport)
        self._print_demo_certificates(addrport)
        if not no_serve:
            # §9 shape 1: one machine, SQLite, the background worker inside this process.
            start_worker_thread()
            call_command("runserver", addrport, use_reloader=False, use_threading=True)

    def _print_accounts(self, addrport: str) -> None:
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(_("Kamtibmas demo: http://%(addr)s/") % {"addr": addrport})
        )
        self.stdout.write(
            _(
                "Sign in at http://%(addr)s/accounts/login/ with password “%(pw)s” "
                "and one of these users:"
            )
            % {"addr": addrport, "pw": settings.KAMTIBMAS_DEMO_PASSWORD}
        )
        for username, role, unit, *_rest in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {role.label}" + (f" — {unit}" if unit else ""))
        for line in demo_otp_instructions():
            self.stdout.write(line)
        self.stdout.write("")

    def _print_demo_case(self, addrport: str) -> None:
        """Receipt codes are stored hashed; the demo gives one case a fixed code."""
        from kamtibmas.aspirations.demo import DEMO_RECEIPT_CODE
        from kamtibmas.aspirations.selectors import aspiration_by_receipt

        if aspiration_by_receipt(DEMO_RECEIPT_CODE) is None:
            return
        self.stdout.write(
            _("Follow a demo case as its reporter: http://%(addr)s/track/%(code)s")
            % {"addr": addrport, "code": DEMO_RECEIPT_CODE}
        )
        self.stdout.write("")

    def _print_demo_certificates(self, addrport: str) -> None:
        from kamtibmas.certificates.demo import demo_certificate_pdf, demo_certificates_to_verify

        for label, text in demo_certificates_to_verify():
            self.stdout.write(f"{_(label)}: http://{addrport}/verify/{text}")
        pdf = demo_certificate_pdf(Path(settings.DATA_DIR) / "demo")
        if pdf is not None:
            self.stdout.write(
                _("Its PDF, to verify offline: kamtibmas verify_certificate %(path)s")
                % {"path": pdf}
            )
        self.stdout.write("")
