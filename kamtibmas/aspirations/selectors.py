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
from kamtibmas.areas.models import Area, AreaLevel, Unit, area_label
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


def public_depth(*, privacy: str, level: int) -> int:
    """The deepest level of a case's area (``level``) the public may see: RT/RW only
    of public cases, the kelurahan of the others (an RT is a few dozen households)."""
    return level if privacy == Privacy.PUBLIC else min(level, AreaLevel.VILLAGE)


def public_coordinates(
    *, privacy: str, latitude: float | None, longitude: float | None
) -> tuple[float, float] | None:
    """Coordinates as the public may see them: exact for public cases, rounded to a
    neighbourhood for confidential and anonymous ones (SECURITY.md 15)."""
    if latitude is None or longitude is None:
        return None
    if privacy == Privacy.PUBLIC:
        return latitude, longitude
    return round(latitude, COARSE_DECIMALS), round(longitude, COARSE_DECIMALS)


def public_words(*, privacy: str, status: str) -> bool:
    """Whether the public may read the words of a case (its text and the texts of
    its public updates): only of public cases not rejected as spam, as on the
    public case page. The words of a confidential or anonymous report may name its
    sender or the people it is about; officers' public notes may address them."""
    return privacy == Privacy.PUBLIC and status != Status.REJECTED


def public_location(aspiration: Aspiration) -> tuple[float, float] | None:
    """``public_coordinates`` of the case."""
    return public_coordinates(
        privacy=aspiration.privacy, latitude=aspiration.latitude, longitude=aspiration.longitude
    )


def public_area(aspiration: Aspiration) -> Area:
    """The area as the public may see it (``public_depth``)."""
    area = aspiration.area
    if public_depth(privacy=aspiration.privacy, level=area.level) >= area.level:
        return area
    return area.village or area


def public_text_shown(aspiration: Aspiration) -> bool:
    """``public_words`` of the case."""
    return public_words(privacy=aspiration.privacy, status=aspiration.status)


def aspirations_public() -> models.QuerySet[Aspiration]:
    """Every case, for public listings (Open311): filter and slice it, then read it
    with ``public_cases``, which keeps of each case only what the public may see."""
    return Aspiration.objects.all()


def public_cases_version() -> tuple[int, int]:
    """Changes when a case is submitted or changed through the services, each of
    which writes an update: the newest case's and the newest update's ids, two
    primary-key look-ups. Public answers built from the cases may be kept under it
    (a short while: edits outside the services and deletions do not change it)."""
    newest_case = Aspiration.objects.order_by("-pk").values_list("pk", flat=True).first()
    newest_update = AspirationUpdate.objects.order_by("-pk").values_list("pk", flat=True).first()
    return newest_case or 0, newest_update or 0


@dataclass(frozen=True)
class PublicUpdate:
    created_at: datetime
    kind: str
    to_status: str
    text: str  # empty unless the case's words are public


@dataclass(frozen=True)
class PublicCase:
    """What the public may see of a case: never the reporter; the text and the
    notes only with ``public_words``; the place down to ``public_depth``; the
    coordinates as ``public_coordinates`` gives them."""

    pk: int
    number: str
    status: str
    category: str
    privacy: str
    text: str | None
    received_at: datetime
    updated_at: datetime
    resolve_by: datetime | None
    zone: str  # the area's IANA time zone
    places: tuple[str, ...]  # the area as text, the most specific part first
    place_code: str  # the code of the most specific area shown
    location: tuple[float, float] | None
    unit_name: str
    last_note: str | None  # the latest public update's words, if the words are public
    updates: tuple[PublicUpdate, ...] | None  # every public update, when asked for

    @property
    def words(self) -> bool:
        return self.text is not None


# The columns public_cases reads: the case's own, its handling unit's name, and its
# area's level, zone and ancestor ids. The names of the area and its ancestors come
# in a second query: a seven-table join took PostgreSQL 17 ms to plan.
_PUBLIC_COLUMNS = (
    "pk",
    "number",
    "status",
    "category",
    "privacy",
    "text",
    "latitude",
    "longitude",
    "received_at",
    "updated_at",
    "resolve_by",
    "assigned_unit__name",
    "area",
    "area__level",
    "area__timezone",
    "area__rw",
    "area__village",
    "area__district",
    "area__regency",
)


@dataclass(frozen=True)
class _Named:
    code: str
    label: str  # area_label


def public_cases(cases: models.QuerySet[Aspiration], *, history: bool) -> list[PublicCase]:
    """``cases`` (from ``aspirations_public``, filtered, ordered and sliced) as the
    public may see them, with every public update when ``history``. Read as plain
    rows, not model instances: Open311 lists a thousand cases a page. Three queries."""
    rows = list(cases.values_list(*_PUBLIC_COLUMNS))
    wanted = {pk for row in rows for pk in (row[12], *row[15:19]) if pk is not None}
    named = {
        pk: _Named(code=code, label=area_label(level=level, kind=kind, name=name))
        for pk, code, level, kind, name in Area.objects.filter(pk__in=wanted).values_list(
            "pk", "code", "level", "kind", "name"
        )
    }
    shown = [row[0] for row in rows if public_words(privacy=row[4], status=row[2])]
    updates: dict[int, list[PublicUpdate]] = {}
    last_note: dict[int, str] = {}
    if history and rows:
        public = AspirationUpdate.objects.filter(
            aspiration_id__in=[row[0] for row in rows], is_public=True
        ).order_by("created_at", "id")
        words = set(shown)
        for case_id, created_at, kind, to_status, text in public.values_list(
            "aspiration_id", "created_at", "kind", "to_status", "text"
        ):
            text = text if case_id in words else ""
            updates.setdefault(case_id, []).append(PublicUpdate(created_at, kind, to_status, text))
            if text:
                last_note[case_id] = text
    elif shown:
        notes = (
            AspirationUpdate.objects.filter(aspiration_id__in=shown, is_public=True)
            .exclude(text="")
            .order_by("created_at", "id")
            .values_list("aspiration_id", "text")
        )
        last_note = dict(notes)  # the latest of each case wins
    return [
        _public_case(
            row, named, last_note.get(row[0]), updates.get(row[0], []) if history else None
        )
        for row in rows
    ]


def _public_case(
    row: tuple[Any, ...],
    named: dict[int, _Named],
    last_note: str | None,
    updates: list[PublicUpdate] | None,
) -> PublicCase:
    (
        pk,
        number,
        status,
        category,
        privacy,
        text,
        latitude,
        longitude,
        received_at,
        updated_at,
        resolve_by,
        unit_name,
        area_id,
        level,
        zone,
        *ancestors,  # rw, village, district, regency: the ids, None above the area
    ) = row
    depth = public_depth(privacy=privacy, level=level)
    # The area and its ancestors, most specific first, as far as the public may see.
    chain = [
        (level, area_id),
        *zip(
            (AreaLevel.RW, AreaLevel.VILLAGE, AreaLevel.DISTRICT, AreaLevel.REGENCY),
            ancestors,
            strict=True,
        ),
    ]
    shown = [named[at_id] for at, at_id in chain if at_id is not None and at <= depth]
    words = public_words(privacy=privacy, status=status)
    return PublicCase(
        pk=pk,
        number=number,
        status=status,
        category=category,
        privacy=privacy,
        text=text if words else None,
        received_at=received_at,
        updated_at=updated_at,
        resolve_by=resolve_by,
        zone=zone,
        places=tuple(area.label for area in shown),
        place_code=shown[0].code,
        location=public_coordinates(privacy=privacy, latitude=latitude, longitude=longitude),
        unit_name=unit_name,
        last_note=last_note if words else None,
        updates=tuple(updates) if updates is not None else None,
    )


def public_updates_between(
    *, since: datetime, until: datetime
) -> models.QuerySet[AspirationUpdate]:
    """Public updates of any case written in ``[since, until]``, oldest first (the
    feed Open311 clients such as FixMyStreet poll). Anonymous cases' updates carry
    only their day."""
    return (
        AspirationUpdate.objects.filter(
            is_public=True, created_at__gte=since, created_at__lte=until
        )
        .select_related("aspiration", "aspiration__area")
        .order_by("created_at", "id")
    )


def statuses_after(updates: list[AspirationUpdate]) -> dict[int, str]:
    """The status each update's case had right after it, by update id: a status
    change sets it, a note keeps the one before (read from every status change of
    those cases, public or not, in one query)."""
    if not updates:
        return {}
    latest = max(update.created_at for update in updates)
    changes: dict[int, list[tuple[datetime, int, str]]] = {}
    rows = (
        AspirationUpdate.objects.filter(
            aspiration_id__in={update.aspiration_id for update in updates},
            created_at__lte=latest,
        )
        .exclude(to_status="")
        .order_by("created_at", "id")
        .values_list("aspiration_id", "created_at", "id", "to_status")
    )
    for case_id, created_at, pk, to_status in rows:
        changes.setdefault(case_id, []).append((created_at, pk, to_status))
    found = {}
    for update in updates:
        if update.to_status:
            found[update.pk] = update.to_status
            continue
        status = Status.RECEIVED.value
        for created_at, pk, to_status in changes.get(update.aspiration_id, []):
            if (created_at, pk) > (update.created_at, update.pk):
                break
            status = to_status
        found[update.pk] = status
    return found


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
    by_pk = Aspiration.objects.select_related("area", "area__village").in_bulk(
        [pk for pk, _score in ranked]
    )
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
