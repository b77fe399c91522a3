"""``kamtibmas open311_key create NAME [--unit ID]`` prints a new Open311 API key
once (only its digest is stored); ``list`` shows the keys by prefix;
``deactivate PREFIX`` switches one off."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kamtibmas.areas.models import Unit
from kamtibmas.open311.models import ApiKey
from kamtibmas.open311.selectors import api_keys_listed
from kamtibmas.open311.services import api_key_create, api_key_deactivate


class Command(BaseCommand):
    help = "Create, list or deactivate Open311 API keys. A new key is printed once: copy it."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Print a new key for NAME.")
        create.add_argument("name")
        create.add_argument(
            "--unit", type=int, default=None, help="Id of the unit whose areas it may post into."
        )
        actions.add_parser("list", help="Every key: prefix, state, unit and name.")
        deactivate = actions.add_parser("deactivate", help="Switch off the key with PREFIX.")
        deactivate.add_argument("prefix")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "create":
            self._create(options["name"], options["unit"])
        elif action == "list":
            for key in api_keys_listed():
                state = "active" if key.is_active else "inactive"
                unit = key.unit.name if key.unit else "-"
                self.stdout.write(f"{key.prefix}\t{state}\t{unit}\t{key.name}")
        else:
            self._deactivate(options["prefix"])

    def _create(self, name: str, unit_id: int | None) -> None:
        unit = None
        if unit_id is not None:
            unit = Unit.objects.filter(pk=unit_id).first()
            if unit is None:
                raise CommandError(_("There is no unit with the id %(id)d.") % {"id": unit_id})
        try:
            _key, raw = api_key_create(name=name, unit=unit)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(raw)

    def _deactivate(self, prefix: str) -> None:
        keys = list(ApiKey.objects.filter(prefix=prefix))
        if len(keys) != 1:
            raise CommandError(_("No single key has the prefix “%(prefix)s”.") % {"prefix": prefix})
        api_key_deactivate(key=keys[0])
        self.stdout.write(_("Deactivated %(key)s.") % {"key": keys[0]})
