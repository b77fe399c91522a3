"""Records of other capabilities that link back to a dialogue.

Aspirations raised at a dialogue (C2), loss reports started there (C3) and aid
handed out there (C4) each keep a foreign key to ``Dialogue`` in their own app.
Each such app appends one provider here; the dialogue page shows one section per
provider. This module knows nothing about those apps, so dependencies keep
pointing one way (they depend on engagements, never the reverse).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from kamtibmas.engagements.models import Dialogue


@dataclass(frozen=True)
class LinkedRecord:
    title: str
    url: str
    status: str = ""


@dataclass(frozen=True)
class LinkedSection:
    """One kind of linked record, e.g. "Aspirations raised here" with its rows."""

    key: str
    title: str
    records: list[LinkedRecord] = field(default_factory=list)


# Dotted paths of ``provider(*, dialogue, user) -> LinkedSection | None``. A provider
# returns only what ``user`` may see (through ``core.scope``), or ``None`` to hide its
# section. Later capabilities append theirs here, in the order the page shows them.
DIALOGUE_LINK_PROVIDERS: list[str] = [
    "kamtibmas.aspirations.links.dialogue_aspirations",
    "kamtibmas.certificates.links.dialogue_loss_reports",
    "kamtibmas.aid.links.dialogue_aid",
]


def _providers() -> list[Callable[..., LinkedSection | None]]:
    found = []
    for dotted in DIALOGUE_LINK_PROVIDERS:
        module, name = dotted.rsplit(".", 1)
        found.append(getattr(import_module(module), name))
    return found


def dialogue_linked_sections(*, dialogue: Dialogue, user: Any) -> list[LinkedSection]:
    """The sections of records linked to ``dialogue`` that ``user`` may see."""
    sections = []
    for provider in _providers():
        section = provider(dialogue=dialogue, user=user)
        if section is not None:
            sections.append(section)
    return sections
