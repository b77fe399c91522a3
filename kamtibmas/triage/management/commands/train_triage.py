"""``kamtibmas train_triage``: retrain the triage model on the corpus and the
officers' corrections, and activate it only if it is at least as good."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kamtibmas.aspirations.selectors import triage_corrections_for_training
from kamtibmas.triage.classifier import active_model, model_activate
from kamtibmas.triage.training import (
    Example,
    corpus_load,
    corpus_split,
    model_evaluate,
    model_train,
)


class Command(BaseCommand):
    help = (
        "Retrain the triage model on the shipped corpus plus officers' corrections, report "
        "its held-out scores next to the active model's, and replace the active model "
        "only if the new one is at least as good (emergency recall, then category "
        "macro-F1). --dry-run reports without replacing; --force replaces anyway."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--force", action="store_true")

    def handle(self, *args: Any, dry_run: bool, force: bool, **options: Any) -> None:
        train, test = corpus_split(corpus_load())
        corrections = [
            Example(
                id=f"correction-{pk}",
                text=text,
                category=category,
                urgency=urgency,
                source="correction",
            )
            for pk, text, category, urgency in triage_corrections_for_training()
        ]
        # Corrections only ever train: the held-out part stays the corpus's fixed fifth,
        # so the new and the active model are compared on the same texts.
        train += corrections
        self.stdout.write(
            f"Training on {len(train)} texts ({len(corrections)} officers' corrections); "
            f"held out: {len(test)}."
        )
        candidate = model_train(train)
        new = model_evaluate(candidate, test)
        old = model_evaluate(active_model(), test)
        self.stdout.write(json.dumps({"active": old.as_dict(), "new": new.as_dict()}, indent=2))
        if dry_run:
            self.stdout.write("Dry run: the active model is unchanged.")
            return
        if not new.beats(old.as_dict()) and not force:
            raise CommandError(
                "The new model is worse on the held-out texts than the active one; the "
                "active model is kept (use --force to replace it anyway)."
            )
        model_activate(candidate.with_info(heldout=new.as_dict()))
        self.stdout.write("The new model is active.")
