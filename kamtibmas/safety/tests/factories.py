"""Cases, dialogues, inspections and households for the safety tests, made through
the services; only the times are moved afterwards (a case received 40 days ago)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, timedelta
from itertools import count

from django.utils import timezone

from kamtibmas.aid.services import household_register
from kamtibmas.areas.models import Area
from kamtibmas.aspirations.models import Aspiration, Privacy, Source
from kamtibmas.aspirations.services import aspiration_submit
from kamtibmas.engagements.models import Dialogue, DialogueType, FindingResult, InspectionItem
from kamtibmas.engagements.services import FindingInput, dialogue_record_past, inspection_record

_kk = count(1)


def case(
    area: Area,
    *,
    category: str = "kekerasan",
    urgency: str = "tinggi",
    days_ago: float = 1,
    status: str | None = None,
    overdue: bool = False,
) -> Aspiration:
    submitted = aspiration_submit(
        text="Sering terjadi tawuran di gang dekat pos ronda pada malam hari.",
        area=area,
        privacy=Privacy.CONFIDENTIAL,
        source=Source.WEB,
        reporter_name="Warga",
        category=category,
        urgency=urgency,
    )
    received = timezone.now() - timedelta(days=days_ago)
    changes: dict[str, object] = {"received_at": received}
    changes["resolve_by"] = (
        timezone.now() - timedelta(hours=1) if overdue else timezone.now() + timedelta(days=30)
    )
    changes["verify_by"] = changes["first_notice_by"] = None
    if status:
        changes["status"] = status
    Aspiration.objects.filter(pk=submitted.aspiration.pk).update(**changes)
    return Aspiration.objects.get(pk=submitted.aspiration.pk)


def held_dialogue(actor, unit, area: Area, *, days_ago: float) -> Dialogue:
    start = (timezone.now() - timedelta(days=days_ago)).astimezone(UTC)
    return dialogue_record_past(
        actor=actor,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title=f"Ngopi Kamtibmas {area}",
        area=area,
        unit=unit,
        venue_name="Balai warga",
        start=start,
        end=start + timedelta(hours=2),
    )


def inspection(
    actor, dialogue: Dialogue, *, problems: Sequence[str], ok: Sequence[str] = ()
) -> None:
    items = {item.code: item for item in InspectionItem.objects.all()}
    inspection_record(
        actor=actor,
        dialogue=dialogue,
        inspected_at=dialogue.end,
        findings=[
            FindingInput(items[c], FindingResult.PROBLEM, "Perlu perbaikan") for c in problems
        ]
        + [FindingInput(items[c], FindingResult.OK) for c in ok],
    )


def households(actor, area: Area, *, total: int, vulnerable: int) -> None:
    for i in range(total):
        household_register(
            actor=actor,
            kk_number=f"3275040101{next(_kk):06d}",
            head_name="Kepala keluarga",
            area=area,
            members=3,
            vulnerability="Lansia tinggal sendiri" if i < vulnerable else "",
        )
