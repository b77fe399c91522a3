"""An honest keyword rule set behind the triage interface (§5), until the trained
classifier of the triage issue replaces it.

Pure functions, no ORM: ``triage(text)`` normalises the text (lower case, slang and
common abbreviations spelled out), scores each category by the keywords it contains,
and decides the urgency from danger words. It says how sure it is: the confidence is
the winning category's share of all matched weight, damped when little matched, and
0 when nothing did (category ``lainnya``). Children or women as victims route violence
to the PPA unit; complaints about officers go to Propam.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from kamtibmas.triage.taxonomy import RESPONSIBLE, Category, Urgency

# Chat Indonesian as residents write it → the words the rules look for.
SLANG = {
    "gak": "tidak", "ga": "tidak", "nggak": "tidak", "engga": "tidak", "gk": "tidak",
    "udh": "sudah", "udah": "sudah", "sdh": "sudah", "blm": "belum", "bgt": "banget",
    "yg": "yang", "dgn": "dengan", "krn": "karena", "tdk": "tidak", "jg": "juga",
    "org": "orang", "anak2": "anak anak", "tlg": "tolong", "skrg": "sekarang",
    "skrng": "sekarang", "mlm": "malam", "tmn": "teman", "hp": "handphone",
    "motor2": "motor", "bocah": "anak", "bocil": "anak", "warkop": "warung kopi",
}  # fmt: skip

# category → (keyword or phrase, weight). Phrases match on word boundaries.
KEYWORDS: dict[Category, list[tuple[str, float]]] = {
    Category.NARKOBA: [
        ("narkoba", 3),
        ("sabu", 3),
        ("ganja", 3),
        ("pil koplo", 3),
        ("obat terlarang", 3),
        ("pengedar", 3),
        ("nyabu", 3),
        ("tembakau sintetis", 3),
        ("putaw", 3),
        ("ekstasi", 3),
        ("bandar", 1.5),
        ("tramadol", 2),
        ("narkotika", 3),
    ],
    Category.PENCURIAN: [
        ("curanmor", 3),
        ("maling", 3),
        ("pencurian", 3),
        ("dicuri", 3),
        ("hilang dicuri", 3),
        ("begal", 3),
        ("jambret", 3),
        ("copet", 3),
        ("rampok", 3),
        ("perampokan", 3),
        ("dibobol", 2.5),
        ("kemalingan", 3),
        ("pencuri", 3),
        ("motor hilang", 2.5),
    ],
    Category.KEKERASAN: [
        ("tawuran", 3),
        ("dipukul", 3),
        ("penganiayaan", 3),
        ("kdrt", 3),
        ("pukul", 1.5),
        ("celurit", 3),
        ("senjata tajam", 3),
        ("sajam", 3),
        ("pelecehan", 3),
        ("dianiaya", 3),
        ("kekerasan", 2.5),
        ("main hakim sendiri", 3),
        ("dikeroyok", 3),
        ("pengeroyokan", 3),
        ("berkelahi", 2),
        ("perkelahian", 2),
    ],
    Category.PENIPUAN: [
        ("penipuan", 3),
        ("ditipu", 3),
        ("tipu", 2),
        ("pinjol", 3),
        ("pinjaman online", 3),
        ("investasi bodong", 3),
        ("akun dibajak", 3),
        ("diretas", 2.5),
        ("phising", 3),
        ("phishing", 3),
        ("transfer", 1),
        ("arisan bodong", 3),
        ("penagih", 1.5),
    ],
    Category.KETERTIBAN: [
        ("judi", 3),
        ("judol", 3),
        ("judi online", 3),
        ("miras", 3),
        ("mabuk", 2.5),
        ("minuman keras", 3),
        ("preman", 3),
        ("pungli", 3),
        ("pungutan liar", 3),
        ("parkir liar", 3),
        ("berisik", 2),
        ("bising", 2),
        ("prostitusi", 3),
        ("pemalakan", 3),
        ("dipalak", 3),
        ("ormas", 1.5),
        ("sabung ayam", 3),
    ],
    Category.REMAJA: [
        ("balap liar", 3),
        ("bolos", 3),
        ("putus sekolah", 3),
        ("jam belajar malam", 3),
        ("anak anak nongkrong", 2.5),
        ("nongkrong", 1.5),
        ("remaja", 2),
        ("pelajar", 1.5),
        ("corat coret", 2.5),
        ("vandalisme", 2.5),
        ("karang taruna", 2),
        ("geng motor", 2.5),
    ],
    Category.LALU_LINTAS: [
        ("lalu lintas", 3),
        ("macet", 3),
        ("kecelakaan", 3),
        ("rambu", 2.5),
        ("lampu merah", 2),
        ("ngebut", 2),
        ("knalpot", 2),
        ("tilang", 2.5),
        ("angkot", 1.5),
        ("putar balik", 2),
        ("trotoar", 1.5),
        ("truk", 1.5),
        ("marka", 2),
    ],
    Category.KEAMANAN: [
        ("patroli", 3),
        ("siskamling", 3),
        ("ronda", 3),
        ("cctv", 2.5),
        ("orang asing", 2.5),
        ("mencurigakan", 3),
        ("rawan", 2),
        ("pos kamling", 3),
        ("keamanan", 1.5),
        ("bhabinkamtibmas", 2),
        ("kehadiran polisi", 2.5),
    ],
    Category.LAYANAN: [
        ("skck", 3),
        ("laporan kehilangan", 3),
        ("surat kehilangan", 3),
        ("sim", 1.5),
        ("sp2hp", 3),
        ("perkembangan kasus", 3),
        ("laporan saya", 2),
        ("oknum", 2.5),
        ("petugas minta uang", 3),
        ("dimintai uang", 2.5),
        ("dokumen hilang", 2),
        ("ktp hilang", 2),
        ("pelayanan polisi", 2),
    ],
    Category.SOSIAL: [
        ("bansos", 3),
        ("bantuan sosial", 3),
        ("sembako", 2.5),
        ("pengangguran", 3),
        ("lapangan kerja", 3),
        ("bpjs", 2.5),
        ("kartu keluarga", 2),
        ("akta", 2),
        ("e ktp", 2),
        ("biaya sekolah", 2.5),
        ("miskin", 2),
        ("stunting", 2.5),
    ],
    Category.LINGKUNGAN: [
        ("lampu jalan", 3),
        ("penerangan jalan", 3),
        ("banjir", 3),
        ("got", 2),
        ("drainase", 3),
        ("sampah", 3),
        ("jalan rusak", 3),
        ("jalan berlubang", 3),
        ("kabel", 2),
        ("korsleting", 3),
        ("kebakaran", 2.5),
        ("pohon tumbang", 3),
        ("saluran air", 3),
        ("gelap", 1.5),
    ],
    Category.LAINNYA: [],
}

# Words that mean danger to life or a crime happening now (call 110).
EMERGENCY = [
    "sedang terjadi", "sekarang juga", "tolong", "darurat", "berdarah", "ditusuk",
    "dibacok", "bawa celurit", "bawa senjata", "sedang tawuran", "kebakaran sekarang",
    "disandera", "mau bunuh diri", "sedang dikeroyok", "pingsan",
]  # fmt: skip
HIGH = [
    "setiap malam", "tiap malam", "berulang", "sering", "terus terusan", "sudah lama",
    "ancaman", "mengancam", "korban", "anak dibawah umur", "pengedar", "begal", "tawuran",
]  # fmt: skip
LOW = [
    "terima kasih", "saran", "usul", "bagaimana cara", "mohon info", "apakah bisa",
    "kapan", "informasi", "tanya",
]  # fmt: skip
# Victims who route violence to the women and children unit (PPA).
PPA_VICTIMS = [
    "kdrt", "pelecehan", "pencabulan", "korban anak", "anak dipukul", "anak dianiaya",
    "istri dipukul", "dipukul suami", "kekerasan terhadap anak",
    "kekerasan terhadap perempuan", "kekerasan seksual",
]  # fmt: skip

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class TriageResult:
    category: str
    urgency: str
    responsible: str
    confidence: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def normalise(text: str) -> str:
    """Lower case, words only, slang spelled out: ``"Udh 3x motor ilang gan!!"`` →
    ``"sudah 3x motor ilang gan"``."""
    words = _WORD.findall(text.lower())
    return " ".join(SLANG.get(word, word) for word in words)


def _contains(haystack: str, phrase: str) -> bool:
    return f" {phrase} " in haystack


def triage(text: str) -> TriageResult:
    """Category, urgency, responsible body and confidence for a complaint's text."""
    haystack = f" {normalise(text)} "
    scores = {
        category: sum(weight for phrase, weight in keywords if _contains(haystack, phrase))
        for category, keywords in KEYWORDS.items()
    }
    total = sum(scores.values())
    if total == 0:
        category, confidence = Category.LAINNYA, 0.0
    else:
        category = max(scores, key=lambda c: (scores[c], -list(Category).index(c)))
        # Share of the matched weight, damped when only a weak word matched.
        confidence = round((scores[category] / total) * min(1.0, scores[category] / 3), 2)
    if any(_contains(haystack, phrase) for phrase in EMERGENCY):
        urgency = Urgency.DARURAT
    elif any(_contains(haystack, phrase) for phrase in HIGH):
        urgency = Urgency.TINGGI
    elif any(_contains(haystack, phrase) for phrase in LOW) and category in (
        Category.LAINNYA,
        Category.LAYANAN,
        Category.SOSIAL,
        Category.LINGKUNGAN,
        Category.KEAMANAN,
    ):
        urgency = Urgency.RENDAH
    else:
        urgency = Urgency.SEDANG
    responsible = RESPONSIBLE[Category(category)]
    if category == Category.KEKERASAN and any(_contains(haystack, w) for w in PPA_VICTIMS):
        responsible = "unit_ppa"
    if category == Category.LAYANAN and any(
        _contains(haystack, w) for w in ("oknum", "petugas minta uang", "dimintai uang")
    ):
        responsible = "propam"
    return TriageResult(
        category=str(category),
        urgency=str(urgency),
        responsible=responsible,
        confidence=confidence,
    )
