"""Demo dialogues (§8): the Ngopi Kamtibmas of 31 July 2025 exactly as reported
(the news report of PRODUCT.md §1), and a few months of other dialogues across Kota
Bekasi around the day the demo is first loaded, so that lists, the calendar, the
follow-up pages and the map have something to show.

Everything is written through ``engagements.services``, by demo users whose scope
allows it: the Kapolres for dialogues organised by Polres Metro Bekasi Kota (all of
Kota Bekasi), the Bhabinkamtibmas for those of Polsek Bekasi Selatan.

Idempotent: a dialogue is looked up by title and planned start before it is created,
and the other dialogues keep the dates of the first load (``_anchor_monday``), so
running the demo again, even weeks later, creates nothing new. The other dialogues
are drawn from ``random.Random(SEED)``: the same on every machine.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from kamtibmas.accounts.models import User
from kamtibmas.areas.models import Area, Unit
from kamtibmas.areas.services import area_rt_get_or_create, area_rw_get_or_create
from kamtibmas.engagements.models import (
    Dialogue,
    DialogueStatus,
    DialogueType,
    FindingResult,
    FollowUp,
    InspectionItem,
    OutreachTopic,
)
from kamtibmas.engagements.services import (
    FindingInput,
    dialogue_answer_add,
    dialogue_cancel,
    dialogue_official_add,
    dialogue_plan,
    dialogue_record_past,
    dialogue_set_attendance,
    dialogue_set_minutes,
    dialogue_topic_set,
    follow_up_complete,
    follow_up_create,
    inspection_record,
)

SEED = 20250731
WIB = ZoneInfo("Asia/Jakarta")
POLRES = "Polres Metro Bekasi Kota"
POLSEK = "Polsek Bekasi Selatan"
SELATAN = "32.75.04"

# --- The reference dialogue (§1), as the article reports it ---------------------------

REFERENCE_TITLE = "Ngopi Kamtibmas bersama warga RT 001/RW 024 Kayuringin Jaya"
REFERENCE_VILLAGE = "32.75.04.1005"  # Kayuringin Jaya, Bekasi Selatan
REFERENCE_START = datetime(2025, 7, 31, 3, 10, tzinfo=UTC)  # Kamis 31/7/2025, 10.10 WIB
# The article gives no end time; a coffee morning with a hand-out: until 12.00 WIB.
REFERENCE_END = datetime(2025, 7, 31, 5, 0, tzinfo=UTC)
REFERENCE_VENUE = "Slum Area samping lokasi setempat"
# The article gives no coordinates: a point in Kayuringin Jaya near its police post.
REFERENCE_POINT = (-6.2462, 106.9861)
# "sekitar 30 orang warga serta tokoh masyarakat": 22 residents and 8 leaders.
REFERENCE_RESIDENTS, REFERENCE_LEADERS = 22, 8
# Not in the article, which only says snacks were handed to children: a plausible count.
REFERENCE_CHILDREN = 15

# Named by role only: the article gives no personal names.
REFERENCE_OFFICIALS = [
    ("Kapolres Metro Bekasi Kota", "Polres Metro Bekasi Kota"),
    ("Ketua RW 024", "Kelurahan Kayuringin Jaya"),
    ("Sekretaris Kecamatan (Sekcam) Bekasi Selatan", "Kecamatan Bekasi Selatan"),
]

REFERENCE_TOPICS = [
    (
        "pengawasan_anak",
        "Kapolres menekankan pentingnya peran keluarga dalam mengawasi anak-anak, "
        "sebagai bagian dari menjaga lingkungan yang aman.",
    ),
    (
        "jam_belajar_malam",
        "Orang tua diajak memperhatikan jam belajar malam anak-anak.",
    ),
    (
        "narkoba",
        "Keluarga diingatkan akan bahaya penyalahgunaan narkoba dan diminta ikut "
        "mengawasi anak-anak.",
    ),
]

REFERENCE_QUESTION = "Seorang warga bertanya tentang prosedur pengurusan dokumen yang hilang."
REFERENCE_ANSWER = (
    "Laporan kehilangan dapat dibuat di pos polisi terdekat dan tidak dipungut biaya. "
    "Kapolres menghubungkan warga tersebut dengan petugas yang berwenang untuk memudahkan "
    "prosesnya; warga bertukar nomor telepon dengan petugas."
)

REFERENCE_MINUTES = """\
Ngopi Kamtibmas dimulai pukul 10.10 WIB di Slum Area samping lokasi setempat, \
RT 001/RW 024, Kelurahan Kayuringin Jaya, dan dihadiri sekitar 30 warga serta tokoh \
masyarakat.

Kapolres Metro Bekasi Kota mengapresiasi antusiasme warga: melalui dialog seperti ini, \
polisi dan warga bersama-sama menciptakan solusi atas permasalahan sosial dan keamanan \
di lingkungan. Kapolres menekankan pentingnya peran keluarga dalam mengawasi anak-anak, \
terutama jam belajar malam dan bahaya penyalahgunaan narkoba.

Ketua RW 024 menyampaikan terima kasih atas kehadiran Kapolres dan jajarannya. Menurutnya \
kawasan yang ditempati warga saat ini tergolong rawan, sehingga kehadiran aparat secara \
langsung sangat berarti bagi warga.

Sekcam Bekasi Selatan menyampaikan bahwa kawasan padat penduduk memiliki tantangan \
tersendiri, dari persoalan ekonomi hingga keamanan; kolaborasi antara aparat dan warga \
sangat vital agar tercipta lingkungan yang nyaman dan aman.

Dalam sesi dialog terbuka seorang warga bertanya tentang prosedur pengurusan dokumen yang \
hilang. Kapolres menjelaskan bahwa laporan kehilangan dapat dibuat di pos polisi terdekat \
dan tidak dipungut biaya, lalu menghubungkan warga tersebut dengan petugas yang berwenang; \
keduanya bertukar nomor telepon.

Paket sembako diserahkan kepada warga dan camilan kepada anak-anak, dipimpin langsung oleh \
Kapolres. Usai acara, jajaran kepolisian meninjau langsung kondisi permukiman padat."""

# The article only says that the police inspected the dense settlement afterwards: these
# findings are illustrative, typical of a dense slum. (item, result, note, due date,
# outcome once done or "" while open)
REFERENCE_INSPECTED_AT = datetime(2025, 7, 31, 5, 15, tzinfo=UTC)  # 12.15 WIB
REFERENCE_FINDINGS = [
    (
        "penerangan_jalan",
        FindingResult.PROBLEM,
        "Banyak lampu di gang permukiman mati; gang gelap pada malam hari.",
        date(2025, 8, 14),
        "Lampu penerangan di gang utama RW 024 diganti bersama Kelurahan Kayuringin Jaya.",
    ),
    (
        "pos_siskamling",
        FindingResult.OK,
        "Pos ronda RW 024 ada dan dijaga bergiliran oleh warga.",
        date(2025, 8, 14),
        "",
    ),
    (
        "cctv",
        FindingResult.PROBLEM,
        "Belum ada CCTV di jalan masuk permukiman.",
        date(2025, 8, 31),
        "Dua kamera CCTV swadaya warga dipasang di mulut gang; rekaman dapat diminta "
        "melalui pengurus RW.",
    ),
    (
        "instalasi_listrik",
        FindingResult.PROBLEM,
        "Kabel listrik semrawut dan sambungan liar antarrumah; rawan korsleting dan kebakaran.",
        date(2025, 8, 31),
        "",
    ),
    (
        "akses_darurat",
        FindingResult.PROBLEM,
        "Gang selebar kurang dari 1,5 meter: mobil pemadam dan ambulans tidak bisa masuk.",
        date(2025, 9, 30),
        "",
    ),
]

# --- The other dialogues: places, people and words they are built from -------------

# A few real kelurahan of every kecamatan of Kota Bekasi (Kemendagri codes). Bekasi
# Selatan, the Polsek's area, is listed twice so that it gets more dialogues.
VILLAGES = {
    "32.75.01.1001": "Bekasi Jaya",
    "32.75.01.1002": "Margahayu",
    "32.75.01.1003": "Duren Jaya",
    "32.75.02.1001": "Bintara",
    "32.75.02.1002": "Kranji",
    "32.75.02.1003": "Kota Baru",
    "32.75.03.1001": "Kaliabang Tengah",
    "32.75.03.1002": "Perwira",
    "32.75.03.1004": "Teluk Pucung",
    "32.75.04.1001": "Pekayon Jaya",
    "32.75.04.1002": "Marga Jaya",
    "32.75.04.1003": "Jaka Mulya",
    "32.75.04.1004": "Jaka Setia",
    "32.75.04.1005": "Kayuringin Jaya",
    "32.75.05.1001": "Bojong Rawalumbu",
    "32.75.05.1002": "Pengasinan",
    "32.75.06.1001": "Medan Satria",
    "32.75.06.1003": "Pejuang",
    "32.75.07.1003": "Bantargebang",
    "32.75.07.1008": "Sumur Batu",
    "32.75.08.1001": "Jatiwaringin",
    "32.75.08.1002": "Jatibening",
    "32.75.09.1001": "Jatimekar",
    "32.75.09.1002": "Jatiasih",
    "32.75.10.1001": "Jatisampurna",
    "32.75.10.1003": "Jatiranggon",
    "32.75.11.1001": "Padurenan",
    "32.75.11.1003": "Mustika Jaya",
    "32.75.12.1001": "Jatirahayu",
    "32.75.12.1002": "Jatiwarna",
}
VILLAGE_POOL = [*VILLAGES, *(code for code in VILLAGES if code.startswith(SELATAN))]

# Approximate centres of the kecamatan, for map points (jittered per dialogue).
KECAMATAN_CENTRES = {
    "32.75.01": (-6.2475, 107.0125),
    "32.75.02": (-6.2290, 106.9720),
    "32.75.03": (-6.2060, 107.0010),
    "32.75.04": (-6.2500, 106.9890),
    "32.75.05": (-6.2760, 107.0190),
    "32.75.06": (-6.1930, 106.9800),
    "32.75.07": (-6.3250, 107.0020),
    "32.75.08": (-6.2750, 106.9230),
    "32.75.09": (-6.3020, 106.9600),
    "32.75.10": (-6.3680, 106.9230),
    "32.75.11": (-6.2920, 107.0380),
    "32.75.12": (-6.2920, 106.9060),
}

SCHOOLS = [
    "SMP Tunas Harapan",
    "SMP Pelita Ilmu",
    "SMA Bina Bangsa",
    "SMK Karya Mandiri",
    "SMP Cahaya Insani",
    "SMA Nusa Cendekia",
]

# Local start times (hour, minute) and length in minutes, by type.
TIMES = {
    "ngopi_kamtibmas": [((9, 0), 120), ((19, 30), 120), ((20, 0), 90)],
    "jumat_curhat": [((8, 0), 120), ((9, 0), 120), ((13, 30), 90)],
    "minggu_kasih": [((8, 0), 120), ((9, 30), 120)],
    "kunjungan_sekolah": [((7, 0), 90), ((9, 30), 90)],
    "sambang": [((16, 0), 60), ((19, 30), 60)],
}
# Day of the week (Monday 0) by type; ``None``: any day.
WEEKDAYS: dict[str, list[int]] = {
    "ngopi_kamtibmas": [1, 2, 3, 5],
    "jumat_curhat": [4],
    "minggu_kasih": [6],
    "kunjungan_sekolah": [0, 1, 2, 3],
    "sambang": [0, 1, 2, 3, 4, 5, 6],
}
PAST_TYPES = ["jumat_curhat", "minggu_kasih", "ngopi_kamtibmas", "kunjungan_sekolah", "sambang"]
PAST_WEIGHTS = [5, 3, 3, 2, 2]
PAST_DIALOGUES = 32
WEEKS_BACK = 17  # about four months
UPCOMING_TYPES = [
    "jumat_curhat",
    "minggu_kasih",
    "ngopi_kamtibmas",
    "kunjungan_sekolah",
    "jumat_curhat",
    "sambang",
]
CANCELLED = [
    ("minggu_kasih", "Ditunda: peringatan dini cuaca ekstrem dari BMKG; dijadwalkan ulang."),
    (
        "ngopi_kamtibmas",
        "Ditunda: bertepatan dengan kerja bakti massal se-kelurahan; dijadwalkan ulang.",
    ),
    ("jumat_curhat", "Dibatalkan: personel dikerahkan untuk pengamanan kegiatan kota."),
]

TOPIC_NOTES = {
    "pengawasan_anak": "Orang tua diminta tahu dengan siapa anak bergaul dan di mana mereka "
    "berada pada malam hari.",
    "jam_belajar_malam": "Jam belajar malam pukul 19.00–21.00: televisi dan gawai dimatikan, "
    "anak belajar di rumah.",
    "narkoba": "Kenali tanda-tanda penyalahgunaan narkoba; laporkan peredaran kepada polisi, "
    "identitas pelapor dirahasiakan.",
    "tawuran": "Tawuran bisa berujung pidana; orang tua dan sekolah diminta memantau grup "
    "percakapan anak.",
    "penipuan_daring": "Jangan pernah membagikan kode OTP; periksa legalitas pinjaman daring "
    "di situs OJK.",
    "keselamatan_lalu_lintas": "Pakai helm, jangan biarkan anak di bawah umur mengendarai "
    "sepeda motor.",
    "judi_online": "Judi online menjerat utang dan berujung kejahatan; laporkan situs dan "
    "pelakunya.",
    "siskamling": "Jadwal ronda dihidupkan kembali; pos dilengkapi kentongan dan nomor darurat.",
    "kekerasan_dalam_rumah_tangga": "KDRT dan kekerasan terhadap anak bukan urusan pribadi: "
    "laporkan kepada polisi atau UPTD PPA.",
    "bullying": "Perundungan di sekolah dan media sosial: siswa diminta berani melapor kepada "
    "guru.",
    "layanan_polri": "Laporan kehilangan di pos polisi terdekat tidak dipungut biaya; layanan "
    "darurat 110 bebas pulsa.",
}
SCHOOL_TOPICS = ["bullying", "tawuran", "narkoba", "keselamatan_lalu_lintas", "judi_online"]
COMMUNITY_TOPICS = [code for code in TOPIC_NOTES if code != "bullying"]

# Questions raised on the spot, the answer given, and the promise to follow up ("" none).
CONCERNS = [
    (
        "Balap liar di jalan raya pada malam Minggu mengganggu warga.",
        "Patroli malam akan ditambah pada Sabtu malam; warga dapat melapor lewat 110.",
        "Patroli tambahan Sabtu malam di jalan raya lokasi balap liar",
    ),
    (
        "Sepeda motor hilang dari parkiran rumah kontrakan.",
        "Gunakan kunci ganda dan parkir di tempat terang; laporan dapat dibuat di SPKT.",
        "Patroli malam di sekitar rumah kontrakan yang rawan pencurian sepeda motor",
    ),
    (
        "Remaja nongkrong sampai larut malam, sebagian minum minuman keras.",
        "Orang tua dan pengurus RT diminta menegakkan jam malam anak; Bhabinkamtibmas akan "
        "sambang bersama Babinsa.",
        "Sambang malam bersama Babinsa ke titik nongkrong remaja",
    ),
    (
        "Warga lansia ditelepon penipu yang mengaku petugas bank.",
        "Jangan berikan kode OTP kepada siapa pun; simpan bukti dan laporkan nomor pelaku.",
        "Sosialisasi modus penipuan lewat telepon di pengajian lansia",
    ),
    (
        "Seorang tetangga terjerat pinjaman daring ilegal dan diteror penagih.",
        "Teror penagihan dapat dilaporkan ke polisi; pinjaman ilegal dapat diadukan ke OJK.",
        "Pendampingan warga melaporkan teror penagihan pinjaman daring ilegal",
    ),
    (
        "Lampu penerangan jalan di gang utama mati sejak sebulan lalu.",
        "Akan diteruskan ke kelurahan untuk perbaikan; patroli malam ditingkatkan sementara.",
        "Koordinasi perbaikan lampu jalan dengan kelurahan",
    ),
    (
        "Parkir liar di depan minimarket membuat jalan macet.",
        "Akan dikoordinasikan dengan Satlantas dan Dinas Perhubungan.",
        "Koordinasi penertiban parkir liar dengan Satlantas dan Dishub",
    ),
    (
        "Pelajar tawuran di dekat sekolah saat jam pulang.",
        "Patroli pada jam pulang sekolah; sekolah dan orang tua diminta memantau siswa.",
        "Patroli jam pulang sekolah di titik rawan tawuran",
    ),
    (
        "Bagaimana cara mengurus SKCK?",
        "Ajukan lewat aplikasi Polri Presisi, lalu ambil di Polres dengan membawa KTP dan KK.",
        "",
    ),
    (
        "Ada remaja yang diduga bermain judi online.",
        "Orang tua diminta mengawasi gawai anak; informasi situs dan pelaku dapat "
        "disampaikan kepada petugas.",
        "Penyuluhan bahaya judi online bagi remaja bersama karang taruna",
    ),
]
SCHOOL_CONCERNS = [7, 9]

# Findings an inspection may record: (problem note, ok note, outcome once fixed).
FINDING_NOTES = {
    "penerangan_jalan": (
        "Beberapa lampu jalan mati; gang gelap pada malam hari.",
        "Lampu jalan menyala di seluruh gang.",
        "Lampu diganti oleh kelurahan.",
    ),
    "cctv": (
        "Tidak ada CCTV di jalan masuk lingkungan.",
        "CCTV swadaya warga terpasang dan berfungsi.",
        "Warga memasang CCTV swadaya di jalan masuk.",
    ),
    "pos_siskamling": (
        "Pos ronda kosong; jadwal ronda tidak berjalan.",
        "Pos ronda aktif dengan jadwal bergilir.",
        "Jadwal ronda disusun ulang bersama pengurus RW.",
    ),
    "instalasi_listrik": (
        "Kabel listrik semrawut dan ada sambungan liar.",
        "Instalasi listrik tertata.",
        "Kabel dirapikan bersama petugas PLN.",
    ),
    "akses_darurat": (
        "Jalan masuk sempit; mobil pemadam sulit masuk.",
        "Jalan masuk cukup lebar untuk ambulans dan mobil pemadam.",
        "Portal yang menghalangi jalan masuk dibongkar.",
    ),
    "tempat_berkumpul": (
        "Lahan kosong dijadikan tempat nongkrong dan minum minuman keras pada malam hari.",
        "Tidak ada tempat berkumpul rawan.",
        "Lahan kosong dipagari pemilik; patroli rutin dijadwalkan.",
    ),
    "drainase": (
        "Saluran air tersumbat sampah; rawan banjir saat hujan.",
        "Saluran air lancar.",
        "Kerja bakti membersihkan saluran bersama warga.",
    ),
}


@dataclass(frozen=True)
class DemoFinding:
    item: str
    result: FindingResult
    note: str
    due_days: int  # after the dialogue
    outcome: str  # "" while open


@dataclass(frozen=True)
class DemoDialogue:
    """One generated dialogue, with its day relative to the anchor Monday."""

    type_code: str
    village: str
    rw: int
    rt: int | None  # home visits are at an RT
    title: str
    venue: str
    day: int
    start: tuple[int, int]
    length_minutes: int
    point: tuple[float, float] | None
    status: DialogueStatus
    cancel_reason: str = ""
    attendance: tuple[int, int, int] = (0, 0, 0)
    topics: tuple[str, ...] = ()
    concerns: tuple[int, ...] = ()
    officials: tuple[tuple[str, str], ...] = ()
    with_minutes: bool = False
    findings: tuple[DemoFinding, ...] = ()

    @property
    def organised_by_polsek(self) -> bool:
        return self.village.startswith(SELATAN)


def demo_load() -> list[Dialogue]:
    """The reference dialogue first, then the others, oldest first."""
    kapolres = User.objects.get(username="kapolres")
    bhabin = User.objects.get(username="bhabin")
    with transaction.atomic():
        reference = _reference_load(kapolres=kapolres, bhabin=bhabin)
        others = _others_load(kapolres=kapolres, bhabin=bhabin)
    return [reference, *others]


def _existing(title: str, start: datetime) -> Dialogue | None:
    return Dialogue.objects.filter(title=title, planned_start=start).first()


def _reference_load(*, kapolres: User, bhabin: User) -> Dialogue:
    existing = _existing(REFERENCE_TITLE, REFERENCE_START)
    if existing is not None:
        return existing
    village = Area.objects.get(code=REFERENCE_VILLAGE)
    rt001 = area_rt_get_or_create(rw=area_rw_get_or_create(village=village, number=24), number=1)
    dialogue = dialogue_record_past(
        actor=kapolres,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title=REFERENCE_TITLE,
        area=rt001,
        unit=Unit.objects.get(name=POLRES),
        venue_name=REFERENCE_VENUE,
        start=REFERENCE_START,
        end=REFERENCE_END,
        host=kapolres,
        latitude=REFERENCE_POINT[0],
        longitude=REFERENCE_POINT[1],
    )
    dialogue_set_attendance(
        dialogue=dialogue,
        residents=REFERENCE_RESIDENTS,
        leaders=REFERENCE_LEADERS,
        children=REFERENCE_CHILDREN,
    )
    for position, institution in REFERENCE_OFFICIALS:
        dialogue_official_add(dialogue=dialogue, position=position, institution=institution)
    topics = {topic.code: topic for topic in OutreachTopic.objects.all()}
    for code, notes in REFERENCE_TOPICS:
        dialogue_topic_set(dialogue=dialogue, topic=topics[code], notes=notes)
    dialogue_answer_add(
        dialogue=dialogue,
        question=REFERENCE_QUESTION,
        answer=REFERENCE_ANSWER,
        answered_by="Kapolres Metro Bekasi Kota",
    )
    dialogue = dialogue_set_minutes(dialogue=dialogue, minutes=REFERENCE_MINUTES)
    day = REFERENCE_START.astimezone(WIB).date()
    _inspect(
        dialogue=dialogue,
        inspector=bhabin,
        owner=bhabin,
        inspected_at=REFERENCE_INSPECTED_AT,
        notes="Peninjauan permukiman padat RT 001/RW 024 usai Ngopi Kamtibmas.",
        findings=[
            DemoFinding(item, result, note, (due - day).days, outcome)
            for item, result, note, due, outcome in REFERENCE_FINDINGS
        ],
        day=day,
    )
    return dialogue


def _inspect(
    *,
    dialogue: Dialogue,
    inspector: User,
    owner: User,
    inspected_at: datetime,
    notes: str,
    findings: list[DemoFinding],
    day: date,
) -> None:
    """Record the inspection, one call per due date: ``inspection_record`` gives every new
    problem the same due date and keeps the follow-ups of findings recorded earlier. Then
    complete the follow-ups that have an outcome."""
    items = {item.code: item for item in InspectionItem.objects.all()}
    recorded: list[FindingInput] = []
    for due_days in sorted({finding.due_days for finding in findings}):
        recorded += [
            FindingInput(item=items[f.item], result=f.result, note=f.note)
            for f in findings
            if f.due_days == due_days
        ]
        inspection_record(
            actor=inspector,
            dialogue=dialogue,
            inspected_at=inspected_at,
            findings=recorded,
            notes=notes,
            follow_up_owner=owner,
            follow_up_due=day + timedelta(days=due_days),
        )
    for finding in findings:
        if finding.outcome:
            follow_up = FollowUp.objects.get(dialogue=dialogue, finding__item__code=finding.item)
            follow_up_complete(follow_up=follow_up, outcome=finding.outcome)


# --- The other dialogues ---------------------------------------------------------------


def other_specs() -> list[DemoDialogue]:
    """The other dialogues, drawn from ``random.Random(SEED)``: the same list every time,
    oldest first. Days count from the Monday of the week the demo is first loaded: the
    past ones spread over the ``WEEKS_BACK`` weeks before it, the upcoming ones over the
    two weeks after it. An organiser never holds two dialogues at overlapping times."""
    rng = random.Random(SEED)
    wanted = [
        (rng.choices(PAST_TYPES, PAST_WEIGHTS)[0], -1 - i * WEEKS_BACK // PAST_DIALOGUES, "")
        for i in range(PAST_DIALOGUES)
    ]
    wanted += [(type_code, rng.randint(1, 2), "") for type_code in UPCOMING_TYPES]
    wanted += [(type_code, rng.randint(1, 2), reason) for type_code, reason in CANCELLED]
    specs: list[DemoDialogue] = []
    for type_code, week, reason in wanted:
        status = (
            DialogueStatus.HELD
            if week < 0
            else DialogueStatus.CANCELLED
            if reason
            else DialogueStatus.PLANNED
        )
        spec = _spec(rng, type_code=type_code, week=week, status=status, reason=reason)
        while any(_overlap(spec, other) for other in specs):
            spec = _spec(rng, type_code=type_code, week=week, status=status, reason=reason)
        specs.append(spec)
    return sorted(specs, key=lambda spec: (spec.day, spec.start, spec.title))


def _overlap(one: DemoDialogue, other: DemoDialogue) -> bool:
    if one.organised_by_polsek != other.organised_by_polsek or one.day != other.day:
        return False
    starts = sorted([(one.start, one.length_minutes), (other.start, other.length_minutes)])
    (first, length), (second, _length) = starts
    return (second[0] - first[0]) * 60 + second[1] - first[1] < length


def _spec(
    rng: random.Random,
    *,
    type_code: str,
    week: int,
    status: DialogueStatus,
    reason: str = "",
) -> DemoDialogue:
    village_code = rng.choice(VILLAGE_POOL)
    village = VILLAGES[village_code]
    rw = rng.randint(1, 20)
    rt = None
    start, length = rng.choice(TIMES[type_code])
    day = week * 7 + rng.choice(WEEKDAYS[type_code])
    lat, lon = KECAMATAN_CENTRES[village_code[:8]]
    point: tuple[float, float] | None = (
        round(lat + rng.uniform(-0.012, 0.012), 5),
        round(lon + rng.uniform(-0.012, 0.012), 5),
    )
    school = rng.choice(SCHOOLS)
    if type_code == "jumat_curhat":
        title = f"Jumat Curhat RW {rw:03d} {village}"
        venue = rng.choice(
            ["Masjid Jami' Nurul Iman", "Musala Al-Ikhlas", f"Aula Kantor Kelurahan {village}"]
        )
    elif type_code == "minggu_kasih":
        title = f"Minggu Kasih RW {rw:03d} {village}"
        venue = rng.choice(["Balai warga", "Lapangan olahraga warga"])
    elif type_code == "ngopi_kamtibmas":
        title = f"Ngopi Kamtibmas RW {rw:03d} {village}"
        venue = rng.choice(["Pos ronda", "Warung kopi warga", "Balai warga"])
    elif type_code == "kunjungan_sekolah":
        title, venue = f"Kunjungan sekolah ke {school} {village}", f"Aula {school}"
    else:  # sambang: at a resident's home, so no map point (and, by type, not announced)
        rt = rng.randint(1, 10)
        title, venue, point = (
            f"Sambang warga RT {rt:03d}/RW {rw:03d} {village}",
            "Rumah warga",
            None,
        )
    spec = DemoDialogue(
        type_code=type_code,
        village=village_code,
        rw=rw,
        rt=rt,
        title=title,
        venue=venue,
        day=day,
        start=start,
        length_minutes=length,
        point=point,
        status=status,
        cancel_reason=reason,
    )
    if status != DialogueStatus.HELD:
        return spec
    school_visit = type_code == "kunjungan_sekolah"
    topics = rng.sample(SCHOOL_TOPICS if school_visit else COMMUNITY_TOPICS, rng.randint(1, 3))
    concern_pool = SCHOOL_CONCERNS if school_visit else range(len(CONCERNS))
    officials = (
        [("Kepala Sekolah", school), ("Guru Bimbingan Konseling", school)]
        if school_visit
        else [
            (f"Lurah {village}", f"Kelurahan {village}"),
            (f"Ketua RW {rw:03d}", f"Kelurahan {village}"),
            (f"Babinsa Kelurahan {village}", "TNI AD"),
        ]
    )
    return replace(
        spec,
        attendance=_attendance(rng, type_code),
        topics=tuple(topics),
        concerns=tuple(rng.sample(concern_pool, rng.randint(0, 2))),
        officials=()
        if type_code == "sambang"
        else tuple(rng.sample(officials, rng.randint(1, len(officials)))),
        with_minutes=rng.random() < 0.8,
        # After a Ngopi Kamtibmas the officers walk the area, as on 31 July 2025.
        findings=_findings(rng, week=week) if type_code == "ngopi_kamtibmas" else (),
    )


def _attendance(rng: random.Random, type_code: str) -> tuple[int, int, int]:
    """(residents, community leaders, children); at a school the pupils are the children."""
    if type_code == "kunjungan_sekolah":
        return 0, rng.randint(6, 15), rng.randint(150, 400)
    if type_code == "sambang":
        return rng.randint(2, 6), rng.randint(0, 1), rng.randint(0, 3)
    return rng.randint(15, 60), rng.randint(3, 10), rng.randint(0, 12)


def _findings(rng: random.Random, *, week: int) -> tuple[DemoFinding, ...]:
    findings = []
    for item in rng.sample(sorted(FINDING_NOTES), rng.randint(3, 5)):
        problem, ok, fixed = FINDING_NOTES[item]
        if rng.random() < 0.5:
            findings.append(DemoFinding(item, FindingResult.OK, ok, 0, ""))
            continue
        # Older problems are more often fixed; the rest stay open, some of them overdue.
        done = week <= -4 and rng.random() < 0.6
        findings.append(
            DemoFinding(
                item,
                FindingResult.PROBLEM,
                problem,
                rng.choice([14, 21, 30]),
                fixed if done else "",
            )
        )
    return tuple(findings)


def _anchor_monday(first: DemoDialogue) -> date:
    """The Monday the other dialogues' days count from: that of the first load, found
    from the oldest generated dialogue if it exists, else the current week's (WIB)."""
    found = (
        Dialogue.objects.filter(title=first.title, created_by__username__in=["kapolres", "bhabin"])
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found.planned_start.astimezone(WIB).date() - timedelta(days=first.day)
    today = timezone.now().astimezone(WIB).date()
    return today - timedelta(days=today.weekday())


def _others_load(*, kapolres: User, bhabin: User) -> list[Dialogue]:
    specs = other_specs()
    monday = _anchor_monday(specs[0])
    units = {unit.name: unit for unit in Unit.objects.filter(name__in=[POLRES, POLSEK])}
    types = {t.code: t for t in DialogueType.objects.all()}
    topics = {t.code: t for t in OutreachTopic.objects.all()}
    villages = {a.code: a for a in Area.objects.filter(code__in=list(VILLAGES))}
    dialogues = []
    for spec in specs:
        day = monday + timedelta(days=spec.day)
        start = datetime.combine(day, time(*spec.start), tzinfo=WIB)
        existing = _existing(spec.title, start)
        if existing is not None:
            dialogues.append(existing)
            continue
        if spec.status != DialogueStatus.HELD and start <= timezone.now():
            continue  # its time has passed before it was ever created: nothing to plan
        officer = bhabin if spec.organised_by_polsek else kapolres
        area = area_rw_get_or_create(village=villages[spec.village], number=spec.rw)
        if spec.rt is not None:
            area = area_rt_get_or_create(rw=area, number=spec.rt)
        elif spec.type_code == "kunjungan_sekolah":
            area = villages[spec.village]
        place: dict[str, Any] = {
            "actor": officer,
            "type": types[spec.type_code],
            "title": spec.title,
            "area": area,
            "unit": units[POLSEK if spec.organised_by_polsek else POLRES],
            "venue_name": spec.venue,
            "host": officer,
            "latitude": spec.point[0] if spec.point else None,
            "longitude": spec.point[1] if spec.point else None,
        }
        end = start + timedelta(minutes=spec.length_minutes)
        if spec.status == DialogueStatus.HELD:
            dialogue = dialogue_record_past(**place, start=start, end=end)
            _held_load(dialogue, spec=spec, officer=officer, day=day, topics=topics)
        else:
            dialogue = dialogue_plan(**place, planned_start=start, planned_end=end)
            if spec.status == DialogueStatus.CANCELLED:
                dialogue = dialogue_cancel(dialogue=dialogue, reason=spec.cancel_reason)
        dialogues.append(dialogue)
    return dialogues


def _held_load(
    dialogue: Dialogue,
    *,
    spec: DemoDialogue,
    officer: User,
    day: date,
    topics: dict[str, OutreachTopic],
) -> None:
    residents, leaders, children = spec.attendance
    dialogue_set_attendance(
        dialogue=dialogue, residents=residents, leaders=leaders, children=children
    )
    for position, institution in spec.officials:
        dialogue_official_add(dialogue=dialogue, position=position, institution=institution)
    for code in spec.topics:
        dialogue_topic_set(dialogue=dialogue, topic=topics[code], notes=TOPIC_NOTES[code])
    village = VILLAGES[spec.village]
    answered_by = (
        "Bhabinkamtibmas Polsek Bekasi Selatan"
        if spec.organised_by_polsek
        else "Kapolres Metro Bekasi Kota"
    )
    for index in spec.concerns:
        question, answer, promise = CONCERNS[index]
        dialogue_answer_add(
            dialogue=dialogue, question=question, answer=answer, answered_by=answered_by
        )
        # follow_up_create refuses due dates in the past: only the promises of the last
        # two weeks are recorded, due four weeks after their dialogue.
        if promise and spec.day >= -14:
            follow_up_create(
                dialogue=dialogue,
                title=f"{promise} ({village})",
                owner=officer,
                due_date=day + timedelta(days=28),
            )
    if spec.with_minutes:
        dialogue_set_minutes(dialogue=dialogue, minutes=_minutes(spec, dialogue, topics))
    if spec.findings:
        start = dialogue.actual_end or dialogue.planned_end
        _inspect(
            dialogue=dialogue,
            inspector=officer,
            owner=officer,
            inspected_at=start + timedelta(minutes=15),
            notes=f"Peninjauan lingkungan RW {spec.rw:03d} usai {dialogue.type.name_id}.",
            findings=list(spec.findings),
            day=day,
        )


def _minutes(spec: DemoDialogue, dialogue: Dialogue, topics: dict[str, OutreachTopic]) -> str:
    residents, leaders, children = spec.attendance
    village = VILLAGES[spec.village]
    if spec.type_code == "kunjungan_sekolah":
        lines = [
            f"{dialogue.type.name_id} di {spec.venue}, Kelurahan {village}, diikuti "
            f"{children} siswa dan {leaders} guru."
        ]
    else:
        lines = [
            f"{dialogue.type.name_id} di {spec.venue}, Kelurahan {village}, dihadiri "
            f"{residents} warga dan {leaders} tokoh masyarakat."
        ]
    names = "; ".join(topics[code].name_id for code in spec.topics)
    lines.append(f"Imbauan yang disampaikan: {names}.")
    for index in spec.concerns:
        question, answer, _promise = CONCERNS[index]
        lines.append(f"Warga menyampaikan: {question} Jawaban petugas: {answer}")
    if not spec.concerns:
        lines.append("Tidak ada keluhan khusus; warga menyatakan lingkungan kondusif.")
    return "\n\n".join(lines)
