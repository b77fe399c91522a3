import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from kamtibmas.privacy.keys import field_key_add, field_keys_retire, fields_reencrypt


class Command(BaseCommand):
    help = (
        "Rotate the field-encryption key in two steps: without options, add a new key and "
        "re-encrypt every personal-data column with it; then restart the application "
        "servers and workers and run with --retire to re-encrypt once more and remove the "
        "old keys."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--retire",
            action="store_true",
            help="After the restart: re-encrypt what old servers wrote, keep only the new key.",
        )
        group.add_argument(
            "--reencrypt-only",
            action="store_true",
            help="Only re-encrypt with the first configured key (keys given in the environment).",
        )

    def handle(self, *args: Any, retire: bool, reencrypt_only: bool, **options: Any) -> None:
        from_env = bool(os.environ.get("KAMTIBMAS_FIELD_ENCRYPTION_KEYS"))
        if from_env and not reencrypt_only:
            raise CommandError(
                _(
                    "The keys come from KAMTIBMAS_FIELD_ENCRYPTION_KEYS. Put a new key first "
                    "in that variable, restart, run: kamtibmas rotate_keys --reencrypt-only, "
                    "then remove the old key from the variable and restart again."
                )
            )
        if retire and len(settings.FIELD_ENCRYPTION_KEYS) < 2:
            raise CommandError(_("There is only one key: nothing to retire."))
        if not retire and not reencrypt_only:
            field_key_add()
            self.stdout.write(_("New key added."))
        self._reencrypt()
        if retire:
            field_keys_retire()
            self.stdout.write(_("Old keys retired: only the new key remains."))
        elif not reencrypt_only:
            self.stdout.write(
                _(
                    "Now restart the application servers and workers, then run: "
                    "kamtibmas rotate_keys --retire"
                )
            )

    def _reencrypt(self) -> None:
        with tqdm(desc=_("Re-encrypting"), unit=_(" rows"), file=self.stderr) as bar:
            counts = fields_reencrypt(progress=lambda _label, n: bar.update(n))
        for label, count in counts.items():
            self.stdout.write(
                _("%(model)s: %(count)d rows re-encrypted") % {"model": label, "count": count}
            )
