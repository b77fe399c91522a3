"""Every read of the aspirations capability; each one decides who may see what.

Staff lists and lookups go through ``core.scope.visible_to``. The reporter's
identity is a separate, audited read (``aspiration_identity``): the privacy mode
decides who gets it. The public sees only what ``aspiration_public_view`` returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.utils import timezone

from kamtibmas.accounts.models import Role
from kamtibmas.areas.geo import box_half_width, haversine_km
from kamtibmas.areas.models import Area, AreaLevel, Unit
from kamtibmas.aspirations import receipt
from kamtibmas.aspirations.lifecycle import OPEN_STATES
from kamtibmas.aspirations.models import (
    Aspiration,
    AspirationUpdate,
    Privacy,
    ResponseTemplate,
    Status,
    TriageCorrection,
)
from kamtibmas.core.scope import get_visible_or_404, visible_to
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record
from kamtibmas.triage import textsearch

DUPLICATE_WINDOW_DAYS = 90
# How far into neighbouring kelurahan duplicate candidates are looked for.
NEIGHBOUR_KM = 1.0
# Two decimals of a degree: about 1.1 km, a neighbourhood rather than a house.
COARSE_DECIMALS = 2


@dataclass(frozen=True)
class InboxFilters:
    status: str = ""
    category: str = ""
    urgency: str = ""
    area: Area | None = None
    overdue: bool = False
    mine: bool = False
    query: str = ""


def aspiration_list(
    *, user: Any, filters: InboxFilters | None = None
) -> models.QuerySet[Aspiration]:
    """The cases ``user`` may see, newest first, narrowed by the inbox filters."""
    filters = filters or InboxFilters()
    cases = visible_to(Aspiration.objects.all(), user).select_related(
        "area", "assigned_unit", "assignee"
    )
    if filters.status == "open":
        cases = cases.filter(status__in=[s.value for s in OPEN_STATES])
    elif filters.status:
        cases = cases.filter(status=filters.status)
    if filters.category:
        cases = cases.filter(category=filters.category)
    if filters.urgency:
        cases = cases.filter(urgency=filters.urgency)
    if filters.area is not None:
        cases = cases.filter(area__in=Area.objects.descendants_of(filters.area, include_self=True))
    if filters.overdue:
        cases = cases.filter(overdue_q(timezone.now()))
    if filters.mine:
        cases = cases.filter(assignee=user)
    if filters.query:
        cases = aspiration_search(cases, filters.query)
    return cases


def overdue_q(now: datetime) -> models.Q:
    """Open cases past any of their deadlines (the same conditions as the sweep)."""
    open_states = [s.value for s in OPEN_STATES]
    return models.Q(status__in=open_states) & (
        models.Q(resolve_by__lt=now)
        | models.Q(status=Status.RECEIVED, verify_by__lt=now)
        | models.Q(status=Status.REFERRED, partner_answer_by__lt=now)
        | models.Q(first_notice_at__isnull=True, first_notice_by__lt=now)
    )


def aspiration_search(
    cases: models.QuerySet[Aspiration], query: str
) -> models.QuerySet[Aspiration]:
    """Indonesian full-text search over the stored stemmed terms (decision 010): on
    PostgreSQL a GIN-indexed ``tsvector`` of them (migration 0002) against the query
    stemmed by the ``indonesian`` configuration; elsewhere every stemmed query term
    must be among them. Both mean the same. A case number matches itself."""
    query = query.strip()
    if not query:
        return cases
    number = query.upper()
    if number.startswith("ASP-"):
        return cases.filter(number=number)
    if connection.vendor == "postgresql":
        text = textsearch.postgres_query_text(query)
        if not text.strip():
            return cases.none()
        matches = RawSQL(
            "to_tsvector('simple'::regconfig, aspirations_aspiration.search_terms) "
            "@@ websearch_to_tsquery('indonesian'::regconfig, %s)",
            [text],
            output_field=models.BooleanField(),
        )
        return cases.alias(fts=matches).filter(fts=True)
    terms = textsearch.query_terms(query)
    if not terms:
        return cases.none()
    for term in terms:
        cases = cases.filter(search_terms__contains=f" {term} ")
    return cases


def aspiration_get(*, user: Any, pk: int) -> Aspiration:
    return get_visible_or_404(
        Aspiration.objects.select_related(
            "area", "unit", "assigned_unit", "assignee", "dialogue", "duplicate_of"
        ),
        user,
        pk=pk,
    )


def aspiration_updates(*, aspiration: Aspiration, public_only: bool) -> list[AspirationUpdate]:
    updates = aspiration.updates.select_related("author", "unit")
    if public_only:
        updates = updates.filter(is_public=True)
    return list(updates)


def identity_visible_to(user: Any, aspiration: Aspiration) -> bool:
    """Who may read the reporter's identity: nobody for anonymous cases; for
    confidential ones only police officers of the handling unit, the area's unit
    and the units above them (never a partner agency); for public ones any staff
    member who can see the case."""
    if aspiration.privacy == Privacy.ANONYMOUS:
        return False
    if not getattr(user, "is_authenticated", False) or user.role == Role.RESIDENT:
        return False
    if not visible_to(Aspiration.objects.filter(pk=aspiration.pk), user).exists():
        return False
    if aspiration.privacy == Privacy.PUBLIC:
        return True
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    if user.unit is None or not user.unit.is_police:
        return False
    handling_paths = Unit.objects.filter(
        pk__in=[aspiration.assigned_unit_id, aspiration.unit_id]
    ).values_list("path", flat=True)
    return any(path.startswith(user.unit.path) for path in handling_paths)


@dataclass(frozen=True)
class Identity:
    name: str
    phone: str
    email: str
    account: str


def aspiration_identity(*, user: Any, aspiration: Aspiration, reason: str) -> Identity | None:
    """The reporter's identity for ``user``, or ``None`` when they may not see it.
    Every read is audited (SECURITY.md 5)."""
    if not identity_visible_to(user, aspiration):
        return None
    audit_record(
        actor=user,
        action=AuditAction.READ,
        subject=aspiration,
        reason=reason,
        fields=["reporter_name", "reporter_phone", "reporter_email", "reporter"],
    )
    account = aspiration.reporter
    return Identity(
        name=aspiration.reporter_name or (account.get_full_name() if account else ""),
        phone=aspiration.reporter_phone or "",
        email=aspiration.reporter_email or (account.email if account else ""),
        account=account.get_username() if account else "",
    )


def aspiration_by_receipt(code: str) -> Aspiration | None:
    """The case behind a receipt code, or ``None``. Callers throttle (``throttle``)."""
    digest = receipt.receipt_digest(code)
    if digest is None:
        return None
    return (
        Aspiration.objects.select_related("area", "assigned_unit", "duplicate_of")
        .filter(receipt_digest=digest)
        .first()
    )


def public_location(aspiration: Aspiration) -> tuple[float, float] | None:
    """Coordinates as the public may see them: exact for public cases, rounded to a
    neighbourhood for confidential and anonymous ones (SECURITY.md 15)."""
    if aspiration.latitude is None or aspiration.longitude is None:
        return None
    if aspiration.privacy == Privacy.PUBLIC:
        return aspiration.latitude, aspiration.longitude
    return (
        round(aspiration.latitude, COARSE_DECIMALS),
        round(aspiration.longitude, COARSE_DECIMALS),
    )


def public_area(aspiration: Aspiration) -> Area:
    """The area as the public may see it: RT/RW only for public cases, the
    kelurahan otherwise (an RT is a few dozen households)."""
    area = aspiration.area
    if aspiration.privacy == Privacy.PUBLIC or area.level <= AreaLevel.VILLAGE:
        return area
    return area.village or area


def duplicate_candidates(
    *,
    text: str,
    area: Area,
    exclude_pk: int | None = None,
    user: Any = None,
    limit: int = 5,
    latitude: float | None = None,
    longitude: float | None = None,
) -> list[tuple[Aspiration, float]]:
    """Recent cases near ``area`` whose text is similar to ``text``, most similar
    first: those of the same kelurahan and, when the new case has coordinates,
    those of neighbouring kelurahan of the same kecamatan within
    ``NEIGHBOUR_KM`` of it (a problem at a kelurahan's edge is reported on both
    sides). With ``user`` the candidates are those the user may see; without, only
    cases that are public (what a resident may be shown while typing)."""
    village = area if area.level <= AreaLevel.VILLAGE else (area.village or area)
    since = timezone.now() - timedelta(days=DUPLICATE_WINDOW_DAYS)
    nearby = models.Q(area=village) | models.Q(area__village=village)
    if latitude is not None and longitude is not None and village.district_id is not None:
        half_height = NEIGHBOUR_KM / 111.0
        half_width = box_half_width(latitude, half_height)
        nearby |= models.Q(
            area__district_id=village.district_id,
            latitude__range=(latitude - half_height, latitude + half_height),
            longitude__range=(longitude - half_width, longitude + half_width),
        )
    cases = Aspiration.objects.filter(nearby, received_at__gte=since).exclude(
        status__in=[Status.DUPLICATE, Status.REJECTED]
    )
    if exclude_pk is not None:
        cases = cases.exclude(pk=exclude_pk)
    cases = cases.filter(privacy=Privacy.PUBLIC) if user is None else visible_to(cases, user)
    rows = []
    for pk, terms, area_id, area_village, lat, lon in cases.values_list(
        "pk", "search_terms", "area_id", "area__village_id", "latitude", "longitude"
    )[:1000]:
        same_village = village.pk in (area_id, area_village)
        # The box above is a square; keep the neighbours inside the circle.
        near = (
            latitude is not None
            and longitude is not None
            and lat is not None
            and lon is not None
            and haversine_km(latitude, longitude, lat, lon) <= NEIGHBOUR_KM
        )
        if same_village or near:
            rows.append((pk, terms))
    ranked = textsearch.DuplicateIndex(rows).rank(text, limit=limit)
    by_pk = Aspiration.objects.select_related("area").in_bulk([pk for pk, _score in ranked])
    return [(by_pk[pk], score) for pk, score in ranked if pk in by_pk]


def response_templates_for(*, user: Any, status: str = "") -> list[ResponseTemplate]:
    unit_path = user.unit.path if getattr(user, "unit", None) else None
    templates = ResponseTemplate.objects.filter(is_active=True)
    if unit_path is not None:
        ancestors = [int(pk) for pk in unit_path.strip("/").split("/") if pk]
        templates = templates.filter(models.Q(unit__isnull=True) | models.Q(unit_id__in=ancestors))
    else:
        templates = templates.filter(unit__isnull=True)
    if status:
        templates = templates.filter(models.Q(status="") | models.Q(status=status))
    return list(templates)


def triage_corrections_for_training() -> list[tuple[int, str, str, str]]:
    """Officers' confirmations and corrections of triage, as (id, text, category,
    urgency), oldest first: training data for ``kamtibmas train_triage``. Not
    scoped: it is read by an administrator's command, and holds case texts only."""
    return list(
        TriageCorrection.objects.order_by("id").values_list("id", "text", "category", "urgency")
    )
