"""The aid programs handed out at a dialogue, for its staff page (``engagements.links``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kamtibmas.aid.models import AidProgram
from kamtibmas.aid.services import AID_ROLES
from kamtibmas.core.scope import visible_to
from kamtibmas.engagements.links import LinkedRecord, LinkedSection
from kamtibmas.engagements.models import Dialogue


def dialogue_aid(*, dialogue: Dialogue, user: Any) -> LinkedSection | None:
    """The programs handed out at ``dialogue`` that ``user`` may see, each with the
    households served there, a link to its page and one to its report of this
    dialogue (counts only: no personal data on the dialogue page); ``None`` when there
    are none or the user's role does not hand out aid."""
    if getattr(user, "role", None) not in AID_ROLES:
        return None
    if not visible_to(Dialogue.objects.filter(pk=dialogue.pk), user).exists():
        return None
    here = Q(handouts__dialogue=dialogue) | Q(
        handouts__dialogue__isnull=True, handouts__location__dialogue=dialogue
    )
    programs = (
        visible_to(AidProgram.objects.filter(dialogues=dialogue), user)
        .annotate(served=Count("handouts__household", filter=here, distinct=True))
        .order_by("starts_on", "name")
    )
    records = []
    for program in programs:
        served = ngettext(
            "%(count)d household served here", "%(count)d households served here", program.served
        ) % {"count": program.served}
        records.append(
            LinkedRecord(
                title=program.name,
                url=reverse("web:aid-program", args=[program.pk]),
                status=served,
            )
        )
        records.append(
            LinkedRecord(
                title=_("%(program)s: distribution report (PDF)") % {"program": program.name},
                url=reverse("web:aid-dialogue-distribution-pdf", args=[program.pk, dialogue.pk]),
            )
        )
    if not records:
        return None
    return LinkedSection(key="aid", title=_("Aid handed out here"), records=records)
