import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from kamtibmas.privacy.keys import field_key_add, field_keys_retire, fields_reencrypt


class Command(BaseCommand):
    help = (
        "Rotate the field-encryption key: add a new key, re-encrypt every personal-data "
        "column with it, then retire the old keys. Restart the application servers "
        "afterwards so they load the new key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reencrypt-only",
            action="store_true",
            help="Only re-encrypt with the first configured key (keys given in the environment).",
        )
        parser.add_argument(
            "--keep-old", action="store_true", help="Keep the old keys after re-encrypting."
        )

    def handle(self, *args: Any, reencrypt_only: bool, keep_old: bool, **options: Any) -> None:
        from_env = bool(os.environ.get("KAMTIBMAS_FIELD_ENCRYPTION_KEYS"))
        if from_env and not reencrypt_only:
            raise CommandError(
                _(
                    "The keys come from KAMTIBMAS_FIELD_ENCRYPTION_KEYS. Put a new key first "
                    "in that variable, then run: kamtibmas rotate_keys --reencrypt-only"
                )
            )
        if not reencrypt_only:
            field_key_add()
            self.stderr.write(_("New key added."))
        with tqdm(desc=_("Re-encrypting"), unit=_(" rows"), file=self.stderr) as bar:
            counts = fields_reencrypt(progress=lambda _label, n: bar.update(n))
        for label, count in counts.items():
            self.stdout.write(
                _("%(model)s: %(count)d rows re-encrypted") % {"model": label, "count": count}
            )
        if not reencrypt_only and not keep_old:
            field_keys_retire()
            self.stdout.write(_("Old keys retired: only the new key remains."))
        self.stdout.write(_("Restart the application servers and workers now."))
