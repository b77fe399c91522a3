import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from kamtibmas.privacy.keys import (
    BlindIndexDuplicates,
    BlindIndexKeyFromEnvironment,
    blind_index_key_rotate,
    field_key_add,
    field_keys_retire,
    fields_reencrypt,
)


class Command(BaseCommand):
    help = (
        "Rotate the field-encryption key in two steps: without options, add a new key and "
        "re-encrypt every personal-data column with it; then restart the application "
        "servers and workers and run with --retire to re-encrypt once more and remove the "
        "old keys. With --blind-index, rotate the blind-index key instead (stop the "
        "application servers and workers first; see docs/operations/key-rotation.md)."
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
        group.add_argument(
            "--blind-index",
            action="store_true",
            help=(
                "Replace the blind-index key and recompute every blind index with it, with "
                "the servers and workers stopped; if interrupted, run it again."
            ),
        )

    def handle(
        self, *args: Any, retire: bool, reencrypt_only: bool, blind_index: bool, **options: Any
    ) -> None:
        if blind_index:
            self._rotate_blind_index()
            return
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

    def _rotate_blind_index(self) -> None:
        try:
            with tqdm(desc=_("Re-indexing"), unit=_(" rows"), file=self.stderr) as bar:
                counts = blind_index_key_rotate(progress=lambda _label, n: bar.update(n))
        except BlindIndexKeyFromEnvironment as error:
            raise CommandError(
                _(
                    "The blind-index key comes from KAMTIBMAS_BLIND_INDEX_KEY: the keyring "
                    "cannot rotate it. Remove the variable to let the keyring in the data "
                    "directory hold the key (put its value there as blind_index_key first), "
                    "then run this command again."
                )
            ) from error
        except BlindIndexDuplicates as error:
            raise CommandError(
                _(
                    "These rows would get the same blind index (written while the rotation "
                    "ran, by a server that was not stopped?): %(rows)s. Nothing was changed "
                    "in them; merge or remove the duplicates, then run this command again."
                )
                % {"rows": ", ".join(error.rows)}
            ) from error
        for label, count in counts.items():
            self.stdout.write(
                _("%(model)s: %(count)d rows re-indexed") % {"model": label, "count": count}
            )
        self.stdout.write(
            _(
                "New blind-index key in use, the old one removed. Now restart the "
                "application servers and workers."
            )
        )
