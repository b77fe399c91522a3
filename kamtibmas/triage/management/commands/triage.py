import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kamtibmas.triage.classifier import triage


class Command(BaseCommand):
    help = (
        "Print the triage of a complaint's text as JSON (category, urgency, responsible, "
        "confidence, and the words that decided them), as POST /api/v1/triage answers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text")

    def handle(self, *args: Any, text: str, **options: Any) -> None:
        self.stdout.write(json.dumps(triage(text).as_dict(), ensure_ascii=False))
