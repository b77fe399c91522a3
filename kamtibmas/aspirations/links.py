"""The aspirations raised at a dialogue, for its staff page (``engagements.links``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from kamtibmas.aspirations.models import Aspiration, Status
from kamtibmas.core.scope import visible_to
from kamtibmas.engagements.links import LinkedRecord, LinkedSection
from kamtibmas.engagements.models import Dialogue

TITLE_LENGTH = 80


def dialogue_aspirations(*, dialogue: Dialogue, user: Any) -> LinkedSection | None:
    """The cases raised at ``dialogue`` that ``user`` may see, oldest first; ``None``
    (no section) when there are none or the user does not see the dialogue itself. The
    dialogue page links to the intake form on its own."""
    if not visible_to(Dialogue.objects.filter(pk=dialogue.pk), user).exists():
        return None
    cases = visible_to(Aspiration.objects.filter(dialogue=dialogue), user).order_by(
        "received_at", "id"
    )
    records = [
        LinkedRecord(
            title=f"{case.number}: {_shortened(case.text)}",
            url=reverse("web:aspiration", args=[case.pk]),
            status=str(Status(case.status).label),
        )
        for case in cases.only("pk", "number", "text", "status")
    ]
    if not records:
        return None
    return LinkedSection(key="aspirations", title=_("Aspirations raised here"), records=records)


def _shortened(text: str) -> str:
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    if len(first_line) <= TITLE_LENGTH:
        return first_line
    return first_line[: TITLE_LENGTH - 1].rstrip() + "…"
