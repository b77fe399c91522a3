"""The press-release draft of a dialogue (issue 10, point 4), in Indonesian whatever
the reader's language, written the way a police public-relations office writes
after a dialogue (``shared/reference``).

Every sentence states facts read from the record and is left out when its fact is
missing: nothing is invented, no placeholder is ever printed. ``press_facts`` reads
the record through the ORM; ``press_release_compose`` turns those facts into text
and is pure. What residents raised is taken from public aspirations only and named
by category: confidential and anonymous cases, and every reporter's name, never
reach the text.

The officer edits and approves the draft through ``press_release_save`` and
``press_release_approve``: only the units organising the dialogue may (the same
rule as changing the dialogue, ``selectors.dialogue_get_for_change``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from kamtibmas.accounts.models import Role, User
from kamtibmas.areas.models import Area, AreaLevel, UnitKind
from kamtibmas.core.timefmt import resolve_zone
from kamtibmas.engagements import selectors
from kamtibmas.engagements.models import (
    Dialogue,
    FindingResult,
    InspectionFinding,
    PressReleaseDraft,
)

# Category names as a press release words them (§5 codes).
CATEGORY_PHRASES = {
    "narkoba": "peredaran dan penyalahgunaan narkoba",
    "pencurian": "pencurian",
    "kekerasan": "kekerasan",
    "penipuan": "penipuan",
    "ketertiban": "ketertiban umum",
    "remaja": "kenakalan remaja dan pembinaan anak muda",
    "lalu_lintas": "lalu lintas",
    "keamanan": "keamanan lingkungan",
    "layanan": "layanan kepolisian",
    "sosial": "persoalan sosial dan ekonomi",
    "lingkungan": "lingkungan dan sarana umum",
    "lainnya": "persoalan lainnya",
}

# Cases that are no aspiration of the dialogue: spam, and copies of another case.
_NOT_COUNTED = ("rejected", "duplicate")

# How a commander of a unit of each kind is called ("Kapolres Metro Bekasi Kota").
_COMMANDER_TITLES = {
    UnitKind.POLDA: ("Kapolda", "Polda "),
    UnitKind.POLRES: ("Kapolres", "Polres "),
    UnitKind.POLSEK: ("Kapolsek", "Polsek "),
}
_VILLAGE_KINDS = {"kelurahan": "Kelurahan", "desa": "Desa"}
_CITY_PREFIXES = ("Kota Administrasi ", "Kabupaten ", "Kota ", "Kab. ")


@dataclass(frozen=True)
class PressRelease:
    title: str
    body: str


@dataclass(frozen=True)
class Host:
    position: str  # "Kapolres Metro Bekasi Kota", or "" when not derivable
    short: str  # "Kapolres", or the officer's name
    name: str  # "Kombes Pol Hendra Wijaya"


@dataclass(frozen=True)
class Problem:
    item: str
    note: str


@dataclass(frozen=True)
class PressFacts:
    """What the record says, already in Indonesian; empty or zero when not recorded."""

    activity: str  # "Ngopi Kamtibmas"
    unit: str
    city: str  # "Bekasi", for the dateline
    place: str  # "RT 001/RW 024, Kelurahan Kayuringin Jaya, Kecamatan Bekasi Selatan"
    place_short: str  # "RT 001/RW 024 Kayuringin Jaya"
    district: str  # "Bekasi Selatan"
    day: str  # "Kamis (31/7/2025)"
    clock: str  # "10.10 WIB"
    venue: str
    host: Host | None
    residents: int
    leaders: int
    children: int
    officials: tuple[str, ...]
    topics: tuple[str, ...]
    topic_notes: tuple[str, ...]
    raised: tuple[tuple[str, int], ...]  # (category phrase, public aspirations)
    answers: tuple[tuple[str, str, str], ...]  # (question, answered by, answer)
    loss_reports: int
    certificates_issued: int
    aid: tuple[tuple[str, int], ...]  # ("paket sembako", 24)
    households: int
    inspection_clock: str
    checked: tuple[str, ...]
    problems: tuple[Problem, ...]


# ---- reading the record ------------------------------------------------------------


def _lower_first(text: str) -> str:
    """ "Jam belajar malam" → "jam belajar malam"; "CCTV" stays as it is."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?" else f"{text}."


def _local(value: datetime, zone: ZoneInfo) -> datetime:
    return value.astimezone(zone)


def _clock(value: datetime, zone: ZoneInfo, label: str) -> str:
    local = _local(value, zone)
    return f"{local:%H.%M} {label}"


def _city(area: Area) -> str:
    regency = area if area.level == AreaLevel.REGENCY else area.regency
    if regency is None:
        return ""
    name = regency.name
    for prefix in _CITY_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _places(area: Area) -> tuple[str, str, str]:
    """(full place, short place, kecamatan name) of ``area``, from RT up to kecamatan."""
    neighbourhood = ""
    if area.level == AreaLevel.RT and area.rw is not None:
        neighbourhood = f"{area.name}/{area.rw.name}"
    elif area.level == AreaLevel.RW:
        neighbourhood = area.name
    village = area if area.level == AreaLevel.VILLAGE else area.village
    district = area if area.level == AreaLevel.DISTRICT else area.district
    village_label = (
        f"{_VILLAGE_KINDS.get(village.kind, 'Kelurahan')} {village.name}" if village else ""
    )
    district_label = f"Kecamatan {district.name}" if district else ""
    full = ", ".join(part for part in (neighbourhood, village_label, district_label) if part)
    short = " ".join(part for part in (neighbourhood, village.name if village else "") if part)
    return (
        full or area.name,
        short or area.name,
        district.name if district else "",
    )


def _host(user: User | None) -> Host | None:
    if user is None:
        return None
    name = " ".join(part for part in (user.rank, user.get_full_name()) if part)
    unit = user.unit
    position = ""
    short = name
    if unit is not None and user.role == Role.COMMANDER and unit.kind in _COMMANDER_TITLES:
        title, prefix = _COMMANDER_TITLES[UnitKind(unit.kind)]
        rest = unit.name[len(prefix) :] if unit.name.startswith(prefix) else unit.name
        position, short = f"{title} {rest}", title
    elif unit is not None and user.role == Role.COMMUNITY_OFFICER:
        position, short = f"Bhabinkamtibmas {unit.name}", "Bhabinkamtibmas"
    if not position and not name:
        return None
    return Host(position=position, short=short or position, name=name)


def _aid(dialogue: Dialogue) -> tuple[tuple[tuple[str, int], ...], int]:
    """What was handed out at ``dialogue``: the hand-outs recorded at it, or at one of
    its locations when the hand-out names no dialogue (as ``aid_distribution_summary``)."""
    from kamtibmas.aid.ledger import Kind
    from kamtibmas.aid.models import Handout, StockEntry

    handouts = Handout.objects.filter(
        Q(dialogue=dialogue) | Q(dialogue__isnull=True, location__dialogue=dialogue)
    )
    households = handouts.values("household").distinct().count()
    totals = (
        StockEntry.objects.filter(handout__in=handouts.values("pk"), kind=Kind.HANDED_OUT)
        .values("item__name", "item__measure", "item_id")
        .annotate(total=Sum("quantity"))
        .order_by("item_id")
    )
    lines = []
    for row in totals:
        quantity = abs(row["total"] or 0)
        if not quantity:
            continue
        name, measure = _lower_first(row["item__name"]), row["item__measure"].strip()
        label = (
            name
            if not measure or name.lower().startswith(measure.lower())
            else (f"{measure} {name}")
        )
        lines.append((label, quantity))
    return tuple(lines), households


def press_facts(dialogue: Dialogue) -> PressFacts:
    """Everything the press release may say, read from the record of ``dialogue``."""
    from kamtibmas.aspirations.models import Aspiration, Privacy
    from kamtibmas.certificates.models import LossReport, ReportStatus

    dialogue = (
        Dialogue.objects.select_related(
            "type",
            "unit",
            "host__unit",
            "area__rw",
            "area__village",
            "area__district",
            "area__regency",
        )
        .prefetch_related("officials", "topics__topic", "answers")
        .get(pk=dialogue.pk)
    )
    area = dialogue.area
    tz = resolve_zone(area)
    zone = ZoneInfo(tz.value)
    start = _local(dialogue.start, zone)
    place, place_short, district = _places(area)
    host = _host(dialogue.host)
    activity = dialogue.type.name_id.strip() if dialogue.type.code != "lainnya" else dialogue.title

    officials = tuple(
        official.position.strip()
        for official in dialogue.officials.all()
        if official.position.strip() and (host is None or official.position != host.position)
    )
    delivered = sorted(dialogue.topics.all(), key=lambda d: (d.topic.position, d.topic.code))
    raised = Counter(
        Aspiration.objects.filter(dialogue=dialogue, privacy=Privacy.PUBLIC)
        .exclude(status__in=_NOT_COUNTED)
        .values_list("category", flat=True)
    )
    reports = LossReport.objects.filter(dialogue=dialogue).exclude(status=ReportStatus.WITHDRAWN)
    aid, households = _aid(dialogue)

    inspection = getattr(dialogue, "inspection", None)
    findings: list[InspectionFinding] = []
    if inspection is not None:
        findings = list(
            inspection.findings.select_related("item").order_by("item__position", "item__code")
        )
    return PressFacts(
        activity=activity,
        unit=dialogue.unit.name,
        city=_city(area),
        place=place,
        place_short=place_short,
        district=district,
        day=f"{format_date(start.date(), 'EEEE', locale='id')} "
        f"({start.day}/{start.month}/{start.year})",
        clock=_clock(dialogue.start, zone, tz.label),
        venue=dialogue.venue_name.strip(),
        host=host,
        residents=dialogue.residents_count,
        leaders=dialogue.leaders_count,
        children=dialogue.children_count,
        officials=officials,
        topics=tuple(_lower_first(d.topic.name_id) for d in delivered),
        topic_notes=tuple(_sentence(d.notes) for d in delivered if d.notes.strip()),
        raised=tuple(
            (CATEGORY_PHRASES.get(code, CATEGORY_PHRASES["lainnya"]), count)
            for code, count in sorted(raised.items(), key=lambda kv: (-kv[1], kv[0]))
        ),
        answers=tuple(
            (a.question.strip(), a.answered_by.strip(), a.answer.strip())
            for a in dialogue.answers.all()
            if a.question.strip()
        ),
        loss_reports=reports.count(),
        certificates_issued=reports.filter(status=ReportStatus.ISSUED).count(),
        aid=aid,
        households=households,
        inspection_clock=_clock(inspection.inspected_at, zone, tz.label) if inspection else "",
        checked=tuple(
            _lower_first(f.item.name_id)
            for f in findings
            if f.result != FindingResult.NOT_APPLICABLE
        ),
        problems=tuple(
            Problem(item=_lower_first(f.item.name_id), note=_sentence(f.note))
            for f in findings
            if f.result == FindingResult.PROBLEM
        ),
    )


# ---- writing it --------------------------------------------------------------------


def _enumerate(items: tuple[str, ...] | list[str]) -> str:
    """ "a", "a dan b", "a, b, dan c"."""
    items = list(items)
    if len(items) <= 2:
        return " dan ".join(items)
    return f"{', '.join(items[:-1])}, dan {items[-1]}"


def _attendance(facts: PressFacts) -> str:
    adults = facts.residents + facts.leaders
    parts = []
    if adults:
        who = (
            "warga serta tokoh masyarakat"
            if facts.leaders and facts.residents
            else ("tokoh masyarakat" if facts.leaders else "warga")
        )
        parts.append(f"sekitar {adults} orang {who}")
    if facts.children:
        parts.append(f"{facts.children} anak-anak")
    return ", juga ".join(parts)


def _lead(facts: PressFacts) -> str:
    dateline = f"{facts.city.upper()} – " if facts.city else ""
    host = facts.host
    if host is not None:
        who = ", ".join(part for part in (host.position, host.name) if part)
        if host.position and host.name:
            who += ","
        return (
            f"{dateline}Melalui kegiatan bertajuk {facts.activity}, {who} turun langsung "
            f"menyapa warga di {facts.place}, pada {facts.day}."
        )
    return (
        f"{dateline}{facts.unit} menggelar kegiatan bertajuk {facts.activity} bersama warga "
        f"di {facts.place}, pada {facts.day}."
    )


def _setting(facts: PressFacts) -> str:
    sentences = []
    where = f" di {facts.venue}" if facts.venue else ""
    attendance = _attendance(facts)
    if attendance:
        sentences.append(
            f"Acara yang berlangsung sejak pukul {facts.clock} itu digelar{where} "
            f"dan dihadiri {attendance}."
        )
    else:
        sentences.append(f"Acara itu berlangsung sejak pukul {facts.clock}{where}.")
    if facts.officials:
        sentences.append(f"Turut hadir {_enumerate(facts.officials)}.")
    return " ".join(sentences)


def _speaker(facts: PressFacts) -> str:
    return facts.host.short if facts.host else "petugas"


def _topics(facts: PressFacts) -> str:
    if not facts.topics:
        return ""
    sentences = [
        f"Dalam kesempatan tersebut, {_speaker(facts)} menyampaikan pesan kamtibmas tentang "
        f"{_enumerate(facts.topics)}."
    ]
    sentences += facts.topic_notes
    return " ".join(sentences)


def _raised(facts: PressFacts) -> str:
    if not facts.raised:
        return ""
    total = sum(count for _phrase, count in facts.raised)
    phrases = [phrase for phrase, _count in facts.raised]
    return (
        f"Dalam sesi dialog terbuka, warga menyampaikan {total} aspirasi dan keluhan, "
        f"antara lain terkait {_enumerate(phrases)}."
    )


def _answers(facts: PressFacts) -> str:
    sentences = []
    for question, answered_by, answer in facts.answers:
        sentences.append(_sentence(question))
        if answer:
            sentences.append(
                f"Menjawab hal tersebut, {answered_by or _speaker(facts)} menjelaskan: "
                f"{_sentence(answer)}"
            )
    return " ".join(sentences)


def _services(facts: PressFacts) -> str:
    sentences = []
    if facts.loss_reports:
        sentence = (
            f"Di lokasi kegiatan, petugas juga melayani {facts.loss_reports} "
            "laporan kehilangan dari warga"
        )
        if facts.certificates_issued:
            sentence += (
                f"; surat keterangan tanda lapor kehilangan telah diterbitkan untuk "
                f"{facts.certificates_issued} di antaranya"
            )
        sentences.append(f"{sentence}.")
    if facts.aid:
        handed = _enumerate([f"{quantity} {label}" for label, quantity in facts.aid])
        to_whom = f" kepada {facts.households} keluarga" if facts.households else " kepada warga"
        sentences.append(f"Acara juga diisi dengan penyerahan {handed}{to_whom}.")
    return " ".join(sentences)


def _inspection(facts: PressFacts) -> str:
    if not facts.inspection_clock:
        return ""
    sentences = [
        f"Usai acara, jajaran kepolisian meninjau langsung kondisi lingkungan "
        f"{facts.place_short} pada pukul {facts.inspection_clock}."
    ]
    if facts.checked:
        sentences.append(f"Hal yang diperiksa meliputi {_enumerate(facts.checked)}.")
    if facts.problems:
        items = [problem.item for problem in facts.problems]
        sentences.append(
            f"Petugas mencatat {len(items)} persoalan untuk ditindaklanjuti, yaitu pada "
            f"{_enumerate(items)}."
        )
        sentences += [problem.note for problem in facts.problems if problem.note]
    return " ".join(sentences)


def _closing(facts: PressFacts) -> str:
    where = f"wilayah {facts.district}" if facts.district else "lingkungan"
    return (
        f"Kegiatan {facts.activity} ini menjadi bagian dari upaya {facts.unit} membangun "
        f"komunikasi yang erat dengan masyarakat serta menjaga keamanan dan ketertiban "
        f"bersama-sama di {where}."
    )


def _title(facts: PressFacts) -> str:
    if facts.host is not None and facts.host.position:
        return f"{facts.activity} di {facts.place_short}, {facts.host.position} Sapa Warga"
    return f"{facts.unit} Gelar {facts.activity} Bersama Warga {facts.place_short}"


def press_release_compose(facts: PressFacts) -> PressRelease:
    """The press release for ``facts``: one paragraph per part, empty parts left out."""
    paragraphs = [
        _lead(facts),
        _setting(facts),
        _topics(facts),
        _raised(facts),
        _answers(facts),
        _services(facts),
        _inspection(facts),
        _closing(facts),
    ]
    return PressRelease(title=_title(facts), body="\n\n".join(part for part in paragraphs if part))


def press_release_draft(dialogue: Dialogue) -> PressRelease:
    """The press release generated from the record of ``dialogue`` (not the saved one)."""
    return press_release_compose(press_facts(dialogue))


def press_release_saved(dialogue: Dialogue) -> PressReleaseDraft | None:
    return (
        PressReleaseDraft.objects.filter(dialogue=dialogue)
        .select_related("edited_by", "approved_by")
        .first()
    )


def press_release_current(dialogue: Dialogue) -> PressRelease:
    """The saved (edited or approved) draft of ``dialogue`` when there is one, else the
    one generated from its record."""
    saved = press_release_saved(dialogue)
    if saved is not None:
        return PressRelease(title=saved.title, body=saved.body)
    return press_release_draft(dialogue)


def press_release_audit_read(*, user: Any, dialogue: Dialogue, reason: str) -> None:
    """Record that ``user`` was shown the press release of ``dialogue``: it carries the
    answers on the spot, which may name people (as ``selectors.dialogue_audit_read``)."""
    from kamtibmas.privacy.models import AuditAction
    from kamtibmas.privacy.services import audit_record

    if dialogue.answers.exists():
        audit_record(
            actor=user,
            action=AuditAction.READ,
            subject=dialogue,
            reason=reason,
            fields=["answers"],
        )


# ---- saving and approving ----------------------------------------------------------


def _check_may_edit(actor: Any, dialogue: Dialogue) -> None:
    """404 outside the actor's scope, 403 unless their units organise the dialogue."""
    selectors.dialogue_get_for_change(user=actor, pk=dialogue.pk)


def _clean(title: str, body: str) -> tuple[str, str]:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    title, body = " ".join(title.split()), body.strip().replace("\r\n", "\n")
    if not title:
        raise ValidationError(_("The press release needs a title."), code="title_required")
    if not body:
        raise ValidationError(_("The press release needs a text."), code="body_required")
    return title, body


@transaction.atomic
def press_release_save(
    *, actor: User, dialogue: Dialogue, title: str, body: str
) -> PressReleaseDraft:
    """Keep the officer's edit of the press release. A changed text is no longer the
    approved one: its approval is cleared."""
    _check_may_edit(actor, dialogue)
    title, body = _clean(title, body)
    draft = PressReleaseDraft.objects.select_for_update().filter(dialogue=dialogue).first()
    if draft is None:
        return PressReleaseDraft.objects.create(
            dialogue=dialogue, title=title, body=body, edited_by=actor
        )
    if (draft.title, draft.body) != (title, body):
        draft.title, draft.body, draft.edited_by = title, body, actor
        draft.approved_by, draft.approved_at = None, None
        draft.save()
    return draft


@transaction.atomic
def press_release_approve(
    *, actor: User, dialogue: Dialogue, title: str, body: str
) -> PressReleaseDraft:
    """Save ``title`` and ``body`` as the press release and approve that text."""
    draft = press_release_save(actor=actor, dialogue=dialogue, title=title, body=body)
    draft.approved_by, draft.approved_at = actor, timezone.now()
    draft.save(update_fields=["approved_by", "approved_at", "updated_at"])
    return draft


# ---- files ---------------------------------------------------------------------------


def press_release_text(release: PressRelease) -> str:
    return f"{release.title}\n\n{release.body}\n"


def press_release_docx(release: PressRelease) -> bytes:
    """The press release as a Word document: the title as a heading, one paragraph per
    paragraph of the text."""
    from docx import Document

    document = Document()
    document.core_properties.title = release.title
    document.core_properties.language = "id-ID"
    document.add_heading(release.title, level=1)
    for paragraph in release.body.split("\n\n"):
        if paragraph.strip():
            document.add_paragraph(paragraph.strip())
    out = BytesIO()
    document.save(out)
    return out.getvalue()
