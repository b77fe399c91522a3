"""``kamtibmas generate_synthetic``: synthetic national data, by the options, seeded,
skewed, following the lifecycle, readable by the dashboards and Open311; never in
production. Small volumes over a small registry of two provinces built here."""

from __future__ import annotations

import io
import itertools
from collections import Counter
from datetime import datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from kamtibmas.accounts.models import Role
from kamtibmas.accounts.services import user_create
from kamtibmas.aid.models import Household
from kamtibmas.areas.models import Area, AreaKind, AreaLevel, Unit, UnitKind
from kamtibmas.areas.services import area_create
from kamtibmas.aspirations.lifecycle import TRANSITIONS
from kamtibmas.aspirations.models import (
    Aspiration,
    AspirationUpdate,
    Privacy,
    Status,
    UpdateKind,
)
from kamtibmas.aspirations.synthetic import WIB
from kamtibmas.certificates.models import (
    Certificate,
    CertificateCounter,
    LossReport,
    ReportStatus,
)
from kamtibmas.certificates.selectors import certificate_verify
from kamtibmas.core.synthetic import (
    ASPIRATIONS_PER_DIALOGUE,
    LOSS_REPORTS_PER_ASPIRATION,
    synthetic_generate,
)
from kamtibmas.dashboards.selectors import unit_dashboard
from kamtibmas.engagements.models import Dialogue
from kamtibmas.privacy.models import AuditEntry

CASES = 800
SEED = 7
#: Moves the lifecycle allows: (from, to).
ALLOWED = {(source, target) for sources, target in TRANSITIONS.values() for source in sources}


@pytest.fixture
def registry(db) -> SimpleNamespace:
    """Two provinces: "11" with a kabupaten and a kota, two kecamatan each, ten desa or
    kelurahan in each kecamatan (40); "12" with three desa."""

    def area(code: str, level: AreaLevel, kind: AreaKind, parent: Area | None) -> Area:
        return area_create(code=code, name=f"Area {code}", level=level, kind=kind, parent=parent)

    big = area("11", AreaLevel.PROVINCE, AreaKind.PROVINSI, None)
    for regency_code, kind in (("11.01", AreaKind.KABUPATEN), ("11.71", AreaKind.KOTA)):
        regency = area(regency_code, AreaLevel.REGENCY, kind, big)
        for d in (1, 2):
            district = area(f"{regency_code}.0{d}", AreaLevel.DISTRICT, AreaKind.KECAMATAN, regency)
            for v in range(1, 11):
                village_kind = AreaKind.KELURAHAN if kind == AreaKind.KOTA else AreaKind.DESA
                area(f"{district.code}.{2000 + v}", AreaLevel.VILLAGE, village_kind, district)
    small = area("12", AreaLevel.PROVINCE, AreaKind.PROVINSI, None)
    regency = area("12.01", AreaLevel.REGENCY, AreaKind.KABUPATEN, small)
    district = area("12.01.01", AreaLevel.DISTRICT, AreaKind.KECAMATAN, regency)
    for v in range(1, 4):
        area(f"12.01.01.{2000 + v}", AreaLevel.VILLAGE, AreaKind.DESA, district)
    return SimpleNamespace(big=big, small=small)


def generate(seed: int = SEED, cases: int = CASES) -> str:
    output = io.StringIO()
    call_command(
        "generate_synthetic",
        aspirations=cases,
        polda=1,
        seed=seed,
        years=2,
        verbosity=0,
        stdout=output,
    )
    return output.getvalue()


def content() -> list[tuple[Any, ...]]:
    """What a run wrote, without ids and exact times (relative to the run)."""
    cases = [
        (
            case.number,
            case.text,
            case.category,
            case.urgency,
            case.status,
            case.privacy,
            case.area.code,
            case.received_at.astimezone(WIB).date(),
            case.reopened_count,
            tuple(
                (u.kind, u.from_status, u.to_status, u.text)
                for u in case.updates.order_by("created_at", "id")
            ),
        )
        for case in Aspiration.objects.select_related("area").order_by("number")
    ]
    homes = sorted(
        (h.kk_number, h.head_name, h.area_id, h.members)
        for h in Household.objects.all()  # decrypted
    )
    reports = sorted(
        (r.reference, r.status, r.name, r.nik, r.phone, r.unit.name, r.lost_on)
        for r in LossReport.objects.select_related("unit")
    )
    letters = sorted(Certificate.objects.values_list("number", "qr_text"))
    return [*cases, *homes, *reports, *letters]


def test_writes_the_units_and_rows_the_options_ask_for(registry):
    output = generate()
    assert f"{CASES} aspirations" in output

    polda = Unit.objects.get(kind=UnitKind.POLDA)
    assert list(polda.coverage.all()) == [registry.big]  # the province with most villages
    assert Unit.objects.filter(kind=UnitKind.POLRES, parent=polda).count() == 2
    polsek = Unit.objects.filter(kind=UnitKind.POLSEK, path__startswith=polda.path)
    assert polsek.count() == 4
    for unit in polsek.select_related("parent"):
        assert unit.parent is not None and unit.path == f"{unit.parent.path}{unit.pk}/"
    assert Aspiration.objects.count() == CASES
    assert set(Aspiration.objects.values_list("unit_id", flat=True)) <= {u.pk for u in polsek}
    assert not Aspiration.objects.filter(area__province=registry.small).exists()
    assert Household.objects.count() == CASES // 10
    dialogues = Dialogue.objects.count()
    assert CASES / ASPIRATIONS_PER_DIALOGUE / 2 < dialogues < CASES / ASPIRATIONS_PER_DIALOGUE * 2
    # Loss reports, most with a certificate that verifies, numbered on from the counter.
    assert LossReport.objects.count() == CASES * LOSS_REPORTS_PER_ASPIRATION
    issued = LossReport.objects.filter(status=ReportStatus.ISSUED)
    certificates = list(Certificate.objects.select_related("report"))
    assert len(certificates) == issued.count() > 0
    for certificate in certificates:
        assert certificate.report.status == ReportStatus.ISSUED
        assert certificate.report.unit_id == certificate.unit_id
        verdict = certificate_verify(certificate.qr_text, today=certificate.valid_from)
        assert verdict.valid and verdict.certificate is not None
        assert verdict.certificate.no == certificate.number
    for counter in CertificateCounter.objects.all():
        numbers = Certificate.objects.filter(unit_id=counter.unit_id, year=counter.year)
        assert sorted(numbers.values_list("sequence", flat=True)) == list(
            range(1, counter.last + 1)
        )
    # Every named case verified left its audit row, and only those; each certificate too.
    verified_named = Aspiration.objects.exclude(privacy=Privacy.ANONYMOUS).filter(
        verified_at__isnull=False
    )
    case_audit = AuditEntry.objects.filter(subject_type="aspirations.aspiration")
    assert case_audit.count() == verified_named.count() > 0
    assert set(case_audit.values_list("subject_id", flat=True)) == {
        str(pk) for pk in verified_named.values_list("pk", flat=True)
    }
    assert AuditEntry.objects.exclude(subject_type="aspirations.aspiration").count() == len(
        certificates
    )
    # Over the two years, and older cases are mostly closed while recent ones are open.
    now = timezone.now()
    oldest = Aspiration.objects.order_by("received_at").first()
    assert oldest is not None and now - oldest.received_at > timedelta(days=540)
    old = Aspiration.objects.filter(received_at__lt=now - timedelta(days=60))
    recent = Aspiration.objects.filter(received_at__gte=now - timedelta(days=7))
    old_open = old.filter(closed_at__isnull=True).count() / old.count()
    recent_open = recent.filter(closed_at__isnull=True).count() / recent.count()
    assert old_open < 0.25 and recent_open > 2 * old_open


def test_the_same_seed_writes_the_same_rows_and_another_seed_others(registry):
    with transaction.atomic():
        generate()
        first = content()
        transaction.set_rollback(True)
    generate()
    assert content() == first
    numbers = set(Aspiration.objects.values_list("number", flat=True))

    with pytest.raises(CommandError, match="--force"):
        generate(seed=SEED + 1)
    call_command(
        "generate_synthetic", aspirations=50, polda=1, seed=SEED + 1, force=True, verbosity=0
    )
    others = set(Aspiration.objects.values_list("number", flat=True)) - numbers
    assert len(others) == 50  # none of them drawn by the first seed
    assert Unit.objects.filter(kind=UnitKind.POLDA).count() == 1  # the units reused


def test_cases_crowd_into_a_few_kelurahan(registry):
    generate()
    per_village = Counter(Aspiration.objects.values_list("area_id", flat=True))
    villages = Area.objects.filter(level=AreaLevel.VILLAGE, province=registry.big).count()
    top = sorted(per_village.values(), reverse=True)[: villages // 10]
    # Uniformly the top tenth would hold about a tenth (a little more by chance).
    assert sum(top) / CASES > 0.25


def test_every_update_follows_the_lifecycle_of_an_existing_case(registry):
    generate()
    cases = {case.pk: case for case in Aspiration.objects.all()}
    updates = AspirationUpdate.objects.filter(kind=UpdateKind.STATUS).order_by(
        "aspiration_id", "created_at", "id"
    )
    histories = itertools.groupby(updates, key=lambda update: update.aspiration_id)
    seen = 0
    reopened = 0
    for pk, group in histories:
        history = list(group)
        case = cases[pk]  # KeyError: an update of no case
        assert (history[0].from_status, history[0].to_status) == ("", Status.RECEIVED)
        for before, after in itertools.pairwise(history):
            assert after.from_status == before.to_status
            assert (after.from_status, after.to_status) in ALLOWED
            assert before.created_at <= after.created_at
        assert history[-1].to_status == case.status
        reopens = sum(u.to_status == Status.REOPENED for u in history)
        assert case.reopened_count == reopens
        reopened += bool(reopens)
        seen += 1
    assert seen == len(cases)
    assert reopened > 0
    assert AspirationUpdate.objects.exclude(aspiration_id__in=list(cases)).count() == 0


def test_the_dashboard_and_open311_read_the_generated_data(registry, client):
    generate()
    polda = Unit.objects.get(kind=UnitKind.POLDA)
    commander = user_create(
        username="kapolda", role=Role.COMMANDER, unit=polda, password=None, validate=False
    )
    today = timezone.now().astimezone(WIB).date()
    start = today - timedelta(days=89)
    dashboard = unit_dashboard(actor=commander, unit=polda, period_start=start, period_end=today)
    since = datetime.combine(start, time.min, tzinfo=WIB)
    received = Aspiration.objects.filter(received_at__gte=since)
    assert dashboard.current.received == received.count() > 0
    assert sum(dashboard.current.by_status.values()) == received.count()

    until = timezone.now()
    begin = until - timedelta(days=30)
    answer = client.get(
        "/open311/v2/requests.json",
        {"start_date": begin.isoformat(), "end_date": until.isoformat()},
    )
    assert answer.status_code == 200
    listed = {item["service_request_id"] for item in answer.json()}
    expected = Aspiration.objects.filter(received_at__gte=begin, received_at__lte=until)
    assert listed == set(expected.values_list("number", flat=True))


def test_refuses_without_a_registry(db):
    with pytest.raises(CommandError, match="load_areas"):
        generate()


@override_settings(PRODUCTION=True)
def test_refuses_to_run_in_production(registry):
    with pytest.raises(CommandError):
        generate()
    assert not Unit.objects.exists()


def test_writes_through_the_module_with_progress(registry):
    heard: Counter[str] = Counter()

    def progress(label: str, total: int):
        return lambda done: heard.update({label: done})

    report = synthetic_generate(aspirations=30, polda=2, seed=1, years=1, progress=progress)
    assert report.villages == 43 and report.units == 5  # both provinces, 4 + 1 Polsek
    assert heard == {"Aspirations": 30, "Households": 3}  # no loss report for 30 cases
