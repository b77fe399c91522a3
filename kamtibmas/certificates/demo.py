"""Demo loss reports and certificates (§4 C3, §8).

The reference resident of the Ngopi Kamtibmas of 31 July 2025 (PRODUCT.md §1) asked
how to replace lost documents. Here is what followed: Aipda Agus Setiawan, the
Bhabinkamtibmas, recorded her lost KTP and KK at the dialogue, linked to her
aspiration; the next morning Brigpol Rina Marlina at the SPKT of Polsek Bekasi
Selatan checked her family card and issued the certificate. It was valid for 30
days, so today its QR verifies as genuine and expired.

Around it, about three dozen other reports of the last months at Polsek Bekasi
Selatan: drafts residents started online and have yet to bring to the post, reports
recorded at the desk, certificates issued (the recent ones still valid), one revoked
for a typing error. Every record is written through ``certificates.services``; the
services stamp ``timezone.now()`` and demo-only back-dating moves those stamps with
``.update()`` to the moment the step is meant to have happened (as the aspirations
demo does). Seeded, so the same on every machine relative to the first load;
idempotent: skipped once the reference report exists.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_noop

from kamtibmas.accounts.models import User
from kamtibmas.areas.models import Area, Unit
from kamtibmas.aspirations.models import Aspiration
from kamtibmas.certificates.models import (
    Certificate,
    CertificateSettings,
    LossReport,
    ReportSource,
)
from kamtibmas.certificates.services import (
    certificate_issue,
    certificate_revoke,
    loss_report_contact_consent,
    loss_report_start,
)
from kamtibmas.engagements.demo import REFERENCE_TITLE
from kamtibmas.engagements.models import Dialogue
from kamtibmas.privacy.blind_index import blind_index

SEED = 20250801
WIB = ZoneInfo("Asia/Jakarta")
POLSEK = "Polsek Bekasi Selatan"
REFERENCE_NAME = "Siti Aminah"
#: Fictional but well-formed: Kecamatan Bekasi Selatan (327504), a woman born on
#: 25 May 1990 (day + 40).
REFERENCE_NIK = "3275046505900002"
REFERENCE_KK = "3275040101090011"
DEMO_OFFICERS_NRP = {"spkt": "88070412", "bhabin": "83051187", "kapolres": "72010356"}

LETTERHEAD = (
    "KEPOLISIAN NEGARA REPUBLIK INDONESIA\n"
    "DAERAH METRO JAYA\n"
    "RESOR METRO BEKASI KOTA\n"
    "SEKTOR BEKASI SELATAN"
)

FIRST_NAMES = {
    "L": ["Ahmad", "Budi", "Dedi", "Eko", "Fajar", "Hendra", "Joko", "Rudi", "Wahyu", "Yusuf"],
    "P": ["Ani", "Dewi", "Fitri", "Indah", "Lina", "Nur", "Rina", "Sri", "Wati", "Yuni"],
}
LAST_NAMES = ["Saputra", "Hidayat", "Kurniawan", "Lestari", "Pratiwi", "Siregar", "Nasution",
              "Wibowo", "Rahmawati", "Simanjuntak", "Hasibuan", "Permana"]  # fmt: skip
OCCUPATIONS = ["Karyawan swasta", "Wiraswasta", "Pelajar/Mahasiswa", "Ibu rumah tangga",
               "Pedagang", "Pegawai negeri sipil", "Buruh harian lepas",
               "Pengemudi ojek daring"]  # fmt: skip
PLACES = [
    "Stasiun Bekasi, di peron arah Jakarta",
    "Pasar Baru Bekasi",
    "Angkot K-05 jurusan Terminal Bekasi–Pondok Gede",
    "Grand Mall Bekasi",
    "Jl. Ahmad Yani depan Summarecon",
    "Sekitar Alun-alun Kota Bekasi",
    "KRL Commuter Line Bekasi–Manggarai",
    "Parkiran Stadion Patriot Candrabhaga",
]
# (items, weight): KTP and ATM cards are what people lose most.
ITEM_SETS = [
    (["ktp"], 6),
    (["ktp", "kartu_atm"], 4),
    (["sim", "stnk"], 3),
    (["kk"], 2),
    (["ijazah"], 1),
    (["buku_tabungan", "kartu_atm"], 2),
    (["bpjs_kis"], 2),
    (["paspor"], 1),
    (["npwp", "ktp"], 1),
    (["kartu_pelajar"], 1),
]
RELIGIONS = ["islam", "kristen", "katolik", "hindu", "buddha"]
RELIGION_WEIGHTS = [80, 10, 6, 2, 2]
KECAMATAN_CODES = ["327504", "327501", "327502", "327503", "327505", "327506"]


def _wib(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WIB)


def _officers() -> dict[str, User]:
    officers = {user.username: user for user in User.objects.filter(username__in=DEMO_OFFICERS_NRP)}
    for username, nrp in DEMO_OFFICERS_NRP.items():
        if username in officers and not officers[username].nrp:
            User.objects.filter(pk=officers[username].pk).update(nrp=nrp)
            officers[username].nrp = nrp
    return officers


def _settings(polsek: Unit) -> None:
    CertificateSettings.objects.get_or_create(
        unit=polsek,
        defaults={
            "unit_code": "Sek.Bks.Sel",
            "letterhead": LETTERHEAD,
            "place": "Bekasi",
            "signer_title": "a.n. KEPALA KEPOLISIAN SEKTOR BEKASI SELATAN\nKA SPKT",
            "validity_days": 30,
        },
    )


def _backdate(report: LossReport, moment: datetime) -> None:
    LossReport.objects.filter(pk=report.pk).update(
        created_at=moment, updated_at=moment, submitted_at=moment
    )


def _identity(rng: random.Random) -> dict[str, object]:
    sex = rng.choice("LP")
    born = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 365 * 40))
    day = born.day + (40 if sex == "P" else 0)
    nik = f"{rng.choice(KECAMATAN_CODES)}{day:02d}{born.month:02d}{born.year % 100:02d}"
    nik += f"{rng.randrange(1, 9999):04d}"
    name = f"{rng.choice(FIRST_NAMES[sex])} {rng.choice(LAST_NAMES)}"
    return {
        "name": name,
        "nik": nik,
        "birth_place": rng.choice(["Bekasi", "Jakarta", "Bandung", "Karawang", "Bogor"]),
        "birth_date": born,
        "sex": sex,
        "religion": rng.choices(RELIGIONS, weights=RELIGION_WEIGHTS)[0],
        "citizenship": "WNI",
        "occupation": rng.choice(OCCUPATIONS),
        "address": f"Jl. Melati No. {rng.randrange(1, 120)} RT 00{rng.randrange(1, 9)}/"
        f"RW 0{rng.randrange(10, 30)}, Kota Bekasi",
        "phone": f"0813{rng.randrange(10_000_000, 99_999_999)}",
    }


def _details(code: str, identity: dict[str, object], rng: random.Random) -> dict[str, str]:
    digits = "".join(rng.choice("0123456789") for _ in range(16))
    return {
        "ktp": {"nik": str(identity["nik"])},
        "kk": {"kk_number": str(identity["nik"])[:6] + digits[:10]},
        "sim": {"sim_number": digits[:12], "sim_class": rng.choice(["A", "C"])},
        "stnk": {"plate": f"B {rng.randrange(1000, 9999)} {rng.choice(['KJA', 'FBX', 'UZT'])}"},
        "ijazah": {"institution": "SMA Negeri 2 Bekasi", "year": str(rng.randrange(1995, 2020))},
        "buku_tabungan": {"bank": rng.choice(["BRI", "BNI", "Bank Mandiri", "BCA"])},
        "kartu_atm": {"bank": rng.choice(["BRI", "BNI", "Bank Mandiri", "BCA"])},
        "bpjs_kis": {"card_number": "000" + digits[:10]},
        "paspor": {"passport_number": f"X{digits[:7]}"},
        "npwp": {"npwp_number": digits[:15]},
        "kartu_pelajar": {"institution": "SMP Negeri 4 Bekasi"},
    }[code]


def _reference(polsek: Unit, officers: dict[str, User]) -> Certificate | None:
    dialogue = Dialogue.objects.filter(title=REFERENCE_TITLE).first()
    aspiration = (
        Aspiration.objects.filter(dialogue=dialogue, text__contains="dokumen yang hilang").first()
        if dialogue
        else None
    )
    bhabin, desk = officers.get("bhabin"), officers.get("spkt")
    if bhabin is None or desk is None:
        return None
    kayuringin = Area.objects.filter(code="32.75.04.1005").first()
    report = loss_report_start(
        actor=bhabin,
        source=ReportSource.DIALOGUE if dialogue else ReportSource.DESK,
        dialogue=dialogue,
        aspiration=aspiration,
        unit=polsek,
        identity={
            "name": REFERENCE_NAME,
            "nik": REFERENCE_NIK,
            "birth_place": "Bekasi",
            "birth_date": date(1990, 5, 25),
            "sex": "P",
            "religion": "islam",
            "citizenship": "WNI",
            "occupation": "Pedagang",
            "address": "Jl. Cut Meutia Gg. Mawar RT 001/RW 024, Kayuringin Jaya, Bekasi Selatan",
            "phone": "081300011001",
        },
        items=[
            {"type": "ktp", "details": {"nik": REFERENCE_NIK}},
            {"type": "kk", "details": {"kk_number": REFERENCE_KK, "head": "Ahmad Yani"}},
        ],
        lost_on=date(2025, 7, 28),
        lost_place="Pasar Baru Bekasi, saat berbelanja; dompet terjatuh",
        lost_area=kayuringin,
        area=kayuringin,
        circumstances="Dompet berisi KTP-el dan Kartu Keluarga terjatuh di pasar.",
        reporter_consents_contact=True,
    )
    _backdate(report, _wib(2025, 7, 31, 11, 0))
    report = loss_report_contact_consent(actor=bhabin, report=report, consents=True)
    return certificate_issue(
        actor=desk,
        report=report,
        identity_checked="Kartu Keluarga asli",
        now=_wib(2025, 8, 1, 9, 15).astimezone(UTC),
    )


def demo_load() -> Certificate | None:
    """The reference certificate (``None`` without the demo's officers)."""
    existing = LossReport.objects.filter(nik_index=blind_index("nik", REFERENCE_NIK)).first()
    if existing is not None:
        return Certificate.objects.filter(report=existing).first()
    polsek = Unit.objects.filter(name=POLSEK).first()
    if polsek is None:
        return None
    officers = _officers()
    _settings(polsek)
    reference = _reference(polsek, officers)
    if reference is None:
        return None
    _others(polsek, officers)
    return reference


def _others(polsek: Unit, officers: dict[str, User]) -> None:
    rng = random.Random(SEED)
    desk, bhabin = officers["spkt"], officers["bhabin"]
    posts = list(Unit.objects.filter(parent=polsek).order_by("name"))
    now = timezone.now()
    # Five months back, the last eight within the validity of a certificate.
    moments = sorted(
        [now - timedelta(minutes=rng.randrange(21 * 24 * 60, 150 * 24 * 60)) for _ in range(28)]
        + [now - timedelta(minutes=rng.randrange(60, 20 * 24 * 60)) for _ in range(8)]
    )
    issued: list[Certificate] = []
    for index, moment in enumerate(moments):
        identity = _identity(rng)
        codes = rng.choices([s for s, _w in ITEM_SETS], weights=[w for _s, w in ITEM_SETS])[0]
        items = [{"type": code, "details": _details(code, identity, rng)} for code in codes]
        lost_on = (moment - timedelta(days=rng.randrange(0, 4))).astimezone(WIB).date()
        online = index % 5 == 0
        if online:  # a resident started it online; the rest waits for the post
            report = loss_report_start(
                actor=None,
                source=ReportSource.WEB,
                unit=rng.choice(posts) if posts else polsek,
                identity={"name": identity["name"], "phone": identity["phone"]},
                items=items,
                lost_on=lost_on,
                lost_place=rng.choice(PLACES),
                reporter_consents_contact=True,
            )
            _backdate(report, moment)
            continue
        report = loss_report_start(
            actor=desk if index % 3 else bhabin,
            source=ReportSource.DESK,
            unit=polsek,
            identity=identity,
            items=items,
            lost_on=lost_on,
            lost_place=rng.choice(PLACES),
        )
        _backdate(report, moment)
        if index >= len(moments) - 3:
            continue  # recorded in the last days, waiting to be issued
        issued.append(
            certificate_issue(
                actor=desk,
                report=report,
                identity_checked=rng.choice(["Kartu Keluarga asli", "SIM", "Paspor"]),
                now=moment + timedelta(minutes=rng.randrange(10, 40)),
            )
        )
    if len(issued) > 3:
        certificate_revoke(
            actor=desk,
            certificate=issued[3],
            reason="Salah ketik nomor polisi; diganti surat keterangan baru.",
        )


def demo_certificates_to_verify() -> list[tuple[str, str]]:
    """(label, QR text) of the reference certificate and the newest valid one."""
    found: list[tuple[str, str]] = []
    reference = Certificate.objects.filter(
        report__nik_index=blind_index("nik", REFERENCE_NIK)
    ).first()
    if reference is not None:
        found.append(
            (gettext_noop("Verify the reference certificate (expired)"), reference.qr_text)
        )
    newest = Certificate.objects.filter(revoked_at__isnull=True).order_by("-issued_at").first()
    if newest is not None and newest != reference:
        found.append((gettext_noop("Verify a certificate that is still valid"), newest.qr_text))
    return found


def demo_certificate_pdf(directory: Path) -> Path | None:
    """Write the reference certificate's PDF into ``directory`` (to try
    ``kamtibmas verify_certificate FILE.pdf``); ``None`` without the demo data."""
    from kamtibmas.certificates.printing import certificate_filename, certificate_pdf

    reference = Certificate.objects.filter(
        report__nik_index=blind_index("nik", REFERENCE_NIK)
    ).first()
    if reference is None:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / certificate_filename(reference)
    path.write_bytes(certificate_pdf(reference))
    return path
