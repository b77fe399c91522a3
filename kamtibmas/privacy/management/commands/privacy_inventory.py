"""``kamtibmas privacy_inventory``: the personal-data inventory as Markdown."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation

from kamtibmas.privacy.inventory_report import inventory_markdown


class Command(BaseCommand):
    help = (
        "Print the personal-data inventory (every field's classification, purpose and "
        "retention) as Markdown: the text of docs/privacy/inventory.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--language",
            default="en",
            help="Language of the headings (default: en, as in docs/privacy/).",
        )

    def handle(self, *args: Any, language: str, **options: Any) -> None:
        with translation.override(language):
            self.stdout.write(inventory_markdown(), ending="")
