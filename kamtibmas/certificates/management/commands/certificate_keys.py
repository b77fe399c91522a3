"""``kamtibmas certificate_keys``: list, rotate or mark compromised the keys that sign
certificate QR codes (kamtibmas.certificates.keys)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kamtibmas.certificates.keys import (
    UnknownKeyError,
    signing_key_compromise,
    signing_key_rotate,
    signing_keys_list,
)


class Command(BaseCommand):
    help = (
        "List the certificate signing keys (the default), rotate them (--rotate: a new "
        "active key; the previous one is retired and still verifies) or mark one "
        "compromised (--compromise KID: certificates signed with it no longer verify)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--list", action="store_true", help="List the keys (the default).")
        group.add_argument("--rotate", action="store_true", help="Create a new active key.")
        group.add_argument("--compromise", metavar="KID", help="Mark a key compromised.")

    def handle(self, *args: Any, rotate: bool, compromise: str | None, **options: Any) -> None:
        if rotate:
            new, retired = signing_key_rotate()
            if retired:
                self.stdout.write(
                    _("New active key %(kid)s; key %(old)s is retired and still verifies.")
                    % {"kid": new.kid, "old": retired.kid}
                )
            else:
                self.stdout.write(_("New active key %(kid)s.") % {"kid": new.kid})
        elif compromise:
            try:
                marked, replacement = signing_key_compromise(compromise)
            except UnknownKeyError as exc:
                raise CommandError(_("Unknown key: %(kid)s") % {"kid": compromise}) from exc
            self.stdout.write(
                _(
                    "Key %(kid)s is marked compromised: certificates signed with it no "
                    "longer verify."
                )
                % {"kid": marked.kid}
            )
            if replacement:
                self.stdout.write(
                    _("It was the active key; new active key %(kid)s.") % {"kid": replacement.kid}
                )
        self._list()

    def _list(self) -> None:
        records = signing_keys_list()
        if not records:
            self.stdout.write(_("No signing keys yet: the first is created on first use."))
            return
        for record in records:
            self.stdout.write(f"{record.kid}  {record.status.value:<11}  {record.created}")
