"""Synthetic loss reports and their certificates for capacity tests (``kamtibmas
generate_synthetic``; the data as a whole: ``core.synthetic``).

Reports in the given villages by the same weights as the cases, finished at the
village's Polsek, over the same years (``synthetic_national.received_age``): the
reporter's identity encrypted by the fields themselves with a real NIK blind index,
one or two lost documents, and for ``ISSUED_SHARE`` of them the certificate as
``services.certificate_issue`` makes it: numbered in the unit's yearly sequence with
its letter-number format (``certificate_settings_for``, ``letter_number``; each
Polsek gets settings with its own unit code, since numbers are unique nationwide; the
``CertificateCounter`` rows left where the next real issue continues), signed with
the active key (so ``/verify`` accepts it), issued by a desk officer of the Polsek
(one account per Polsek, created once, no password), with the issuing audit row.
The rest are ready to issue or withdrawn. Written through the bulk path in batches.

Deterministic from the seed (dates relative to the day of the run); the references
carry the seed, so a second run with the same seed finds them and adds nothing.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, cast

from django.db import connection, models, transaction
from django.utils import timezone

from kamtibmas.accounts.models import Role, User
from kamtibmas.accounts.services import user_create
from kamtibmas.areas.models import Unit
from kamtibmas.areas.synthetic import PoliceVillage
from kamtibmas.aspirations import demo
from kamtibmas.aspirations.synthetic import WIB
from kamtibmas.aspirations.synthetic_bulk import _columns, bulk_insert
from kamtibmas.aspirations.synthetic_national import YEAR_DAYS, received_age
from kamtibmas.certificates.catalogue import ITEM_TYPES
from kamtibmas.certificates.keys import signing_key_active
from kamtibmas.certificates.models import (
    Certificate,
    CertificateCounter,
    CertificateSettings,
    Citizenship,
    LossReport,
    LostItem,
    Religion,
    ReportSource,
    ReportStatus,
    Sex,
)
from kamtibmas.certificates.qr import CertificateClaims, sign
from kamtibmas.certificates.services import certificate_settings_for, letter_number
from kamtibmas.core.bulk import reserve_ids
from kamtibmas.privacy.blind_index import blind_index
from kamtibmas.privacy.identifiers import normalise_phone
from kamtibmas.privacy.models import AuditAction, AuditEntry

BATCH = 2_000
ISSUED_SHARE = 0.85
WITHDRAWN_SHARE = 0.05
#: Islam first (most reporters), the others alike.
RELIGIONS = list(Religion)
RELIGION_WEIGHTS = [87.0] + [13 / (len(RELIGIONS) - 1)] * (len(RELIGIONS) - 1)
OCCUPATIONS = ("Karyawan swasta", "Wiraswasta", "Pelajar/mahasiswa", "Ibu rumah tangga", "PNS")


@dataclass(frozen=True)
class LossResult:
    reports: int
    certificates: int


def loss_reports_synthetic_create(
    *,
    villages: Sequence[PoliceVillage],
    weights: Sequence[float],
    count: int,
    seed: int,
    years: float,
    progress: Callable[[int], None] = lambda done: None,
) -> LossResult:
    """Add ``count`` loss reports of ``seed`` (none when they are there already)."""
    if count == 0 or not villages:
        return LossResult(0, 0)
    if LossReport.objects.filter(reference=_reference(seed, 0)).exists():
        return LossResult(0, 0)
    writer = _Writer(seed=seed, days=years * YEAR_DAYS)
    cumulative = list(itertools.accumulate(weights))
    rng = random.Random(seed)
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        picked = [
            (start + offset, rng.choices(villages, cum_weights=cumulative)[0])
            for offset in range(size)
        ]
        with transaction.atomic():
            writer.write(picked)
        progress(size)
    with transaction.atomic():
        writer.counters_save()
    return LossResult(reports=count, certificates=writer.issued)


def _reference(seed: int, serial: int) -> str:
    return f"S{seed % 1000:03d}{serial:08d}"


class _Writer:
    def __init__(self, *, seed: int, days: float) -> None:
        self.seed = seed
        self.rng = random.Random(seed + 2)
        self.days = days
        self.now = timezone.now()
        self.today = self.now.astimezone(WIB).date()
        self.kid, self.key = signing_key_active()
        self.reports = _columns(LossReport)
        self.items = _columns(LostItem)
        self.certificates = _columns(Certificate)
        self.audit = _columns(AuditEntry)
        self.fields = {
            name: cast(models.Field[Any, Any], LossReport._meta.get_field(name))
            for name in LossReport.personal_fields
        }
        self.details = cast(models.Field[Any, Any], LostItem._meta.get_field("details_json"))
        self.units: dict[int, Unit] = {}
        self.officers: dict[int, User] = {}
        self.counters: dict[tuple[int, int], int] = {}
        self.issued = 0

    def write(self, picked: list[tuple[int, PoliceVillage]]) -> None:
        self._units({village.unit_id for _serial, village in picked})
        first = reserve_ids(LossReport, len(picked))
        reports, items, certificates, audit = [], [], [], []
        for offset, (serial, village) in enumerate(picked):
            pk = first + offset
            values, kinds, clear_name = self._report(pk, serial, village)
            reports.append(self.reports.row(values))
            for position, kind in enumerate(kinds):
                details = json.dumps({"number": f"{self.rng.randint(10**7, 10**8 - 1)}"})
                items.append(
                    {
                        "report_id": pk,
                        "position": position,
                        "item_type": kind,
                        "details_json": self.details.get_db_prep_save(details, connection),
                    }
                )
            if values["status"] == ReportStatus.ISSUED:
                certificates.append(self._certificate(values, kinds, clear_name))
        bulk_insert(self.reports, reports)
        self._insert(LostItem, self.items, items)
        if certificates:
            start = reserve_ids(Certificate, len(certificates))
            for offset, certificate in enumerate(certificates):
                certificate["id"] = start + offset
                audit.append(
                    {
                        "created_at": certificate["issued_at"],
                        "actor_id": certificate["issued_by_id"],
                        "actor_unit_id": certificate["unit_id"],
                        "action": AuditAction.CREATE,
                        "subject_type": Certificate._meta.label_lower,
                        "subject_id": str(certificate["id"]),
                        "fields": json.dumps(sorted(LossReport.personal_fields)),
                        "reason": "certificate issued",
                    }
                )
            bulk_insert(self.certificates, [self.certificates.row(c) for c in certificates])
            self._insert(AuditEntry, self.audit, audit)
            self.issued += len(certificates)

    def _insert(self, model: type[models.Model], table: Any, rows: list[dict[str, Any]]) -> None:
        if rows:
            start = reserve_ids(model, len(rows))
            bulk_insert(table, [table.row({"id": start + i, **row}) for i, row in enumerate(rows)])

    def _units(self, ids: set[int]) -> None:
        """The Polsek of ``ids`` and a desk officer of each (created the first time)."""
        missing = ids - set(self.units)
        self.units.update(Unit.objects.select_related("area").in_bulk(list(missing)))
        for user in User.objects.filter(username__in=[_officer(pk) for pk in missing]):
            self.officers[user.unit_id] = user  # type: ignore[index]
        # Letter numbers are unique nationwide: each Polsek puts its code in them, as a
        # deployment sets up (the default format has none).
        configured = set(
            CertificateSettings.objects.filter(unit_id__in=missing).values_list(
                "unit_id", flat=True
            )
        )
        CertificateSettings.objects.bulk_create(
            [_settings(self.units[pk]) for pk in sorted(missing - configured)]
        )
        for pk in sorted(missing - set(self.officers)):
            self.officers[pk] = user_create(
                username=_officer(pk),
                role=Role.DESK_OFFICER,
                unit=self.units[pk],
                password=None,
                first_name="Petugas",
                last_name=f"SPKT {pk}",
                rank="BRIPKA",
                nrp=f"{pk:08d}",
                validate=False,
            )

    def _report(
        self, pk: int, serial: int, village: PoliceVillage
    ) -> tuple[dict[str, Any], list[str], str]:
        rng = self.rng
        age = received_age(rng, days=self.days, today=self.today)
        lost_on = self.today - timedelta(days=int(age) + rng.randint(0, 2))
        submitted = datetime.combine(
            self.today - timedelta(days=int(age)), time(rng.randint(8, 20)), tzinfo=WIB
        ).astimezone(UTC)
        submitted = min(submitted, self.now - timedelta(minutes=10))
        roll = rng.random()
        status = (
            ReportStatus.ISSUED
            if roll < ISSUED_SHARE
            else ReportStatus.WITHDRAWN
            if roll < ISSUED_SHARE + WITHDRAWN_SHARE
            else ReportStatus.READY
        )
        name = f"{rng.choice(demo.FIRST_NAMES)} {rng.choice(demo.LAST_NAMES)}"
        born = self.today - timedelta(days=rng.randint(17 * 365, 70 * 365))
        district = "".join(village.area.code.split(".")[:3])
        nik = f"{district}{born:%d%m%y}{serial % 10_000:04d}"
        clear: dict[str, Any] = {
            "name": name,
            "nik": nik,
            "birth_place": village.area.name,
            "birth_date": born,
            "sex": rng.choice([Sex.MALE, Sex.FEMALE]),
            "religion": rng.choices(RELIGIONS, RELIGION_WEIGHTS)[0],
            "citizenship": Citizenship.WNI,
            "occupation": rng.choice(OCCUPATIONS),
            "address": f"{village.area.name}, RT {rng.randint(1, 12):03d}",
            "phone": normalise_phone(f"0812{serial % 10**8:08d}"),
        }
        values = {
            "id": pk,
            "reference": _reference(self.seed, serial),
            "receipt_digest": hashlib.sha256(f"{self.seed}:{serial}".encode()).hexdigest(),
            "status": status,
            "source": rng.choices(list(ReportSource), [55, 10, 30, 5])[0],
            "unit_id": village.unit_id,
            "created_by_id": self.officers[village.unit_id].pk,
            **{
                field: self.fields[field].get_db_prep_save(value, connection)
                for field, value in clear.items()
            },
            "nik_index": blind_index("nik", nik),
            "phone_index": blind_index("phone", clear["phone"]),
            "area_id": village.area.pk,
            "lost_on": lost_on,
            "lost_place": f"Sekitar {village.area.name}",
            "lost_area_id": village.area.pk,
            "language": "id",
            "created_at": submitted,
            "updated_at": submitted,
            "submitted_at": submitted,
        }
        kinds = [item.code for item in rng.sample(ITEM_TYPES, rng.choice([1, 1, 1, 2]))]
        return values, kinds, name

    def _certificate(self, report: dict[str, Any], kinds: list[str], name: str) -> dict[str, Any]:
        unit = self.units[report["unit_id"]]
        officer = self.officers[unit.pk]
        issued = report["submitted_at"] + timedelta(minutes=self.rng.randint(10, 90))
        issued = min(issued, self.now)
        day = issued.astimezone(WIB).date()
        sequence = self.counters.get((unit.pk, day.year))
        if sequence is None:
            found = CertificateCounter.objects.filter(unit=unit, year=day.year).first()
            sequence = found.last if found is not None else 0
        sequence += 1
        self.counters[(unit.pk, day.year)] = sequence
        settings = certificate_settings_for(unit)
        claims = CertificateClaims.for_holder(
            kid=self.kid,
            no=letter_number(settings, sequence=sequence, day=day),
            iat=day,
            exp=day + timedelta(days=settings.validity_days - 1),
            unit=unit.name,
            holder_name=name,
            items=tuple(dict.fromkeys(kinds)),
        )
        return {
            "report_id": report["id"],
            "unit_id": unit.pk,
            "number": claims.no,
            "year": day.year,
            "sequence": sequence,
            "issued_at": issued,
            "valid_from": claims.iat,
            "valid_until": claims.exp,
            "issued_by_id": officer.pk,
            "officer_name": officer.get_full_name(),
            "officer_rank": officer.rank,
            "officer_nrp": officer.nrp,
            "identity_checked": "KTP",
            "kid": self.kid,
            "qr_text": sign(claims, self.key),
            "revocation_reason": "",
        }

    def counters_save(self) -> None:
        """Leave each unit's yearly counter at the last number given."""
        CertificateCounter.objects.bulk_create(
            [
                CertificateCounter(unit_id=unit, year=year, last=last)
                for (unit, year), last in sorted(self.counters.items())
            ],
            update_conflicts=True,
            unique_fields=["unit", "year"],
            update_fields=["last"],
            batch_size=1000,
        )


def _settings(unit: Unit) -> CertificateSettings:
    area = unit.area
    return CertificateSettings(
        unit=unit,
        unit_code=f"Sek.{area.code if area is not None else unit.pk}",
        place=area.name if area is not None else "",
    )


def _officer(unit_id: int) -> str:
    return f"sintetis-spkt-{unit_id}"
