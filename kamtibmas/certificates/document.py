"""What a loss-report certificate (SKTLK) prints, as plain data; ``pdf.py`` lays it out.

Every value is already the text to print (dates spelled out in Indonesian, the NIK
in full: the certificate is the resident's own document). The fixed wording is
Indonesian whatever the reader's language, because the certificate is an official
letter, so none of it is translated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kamtibmas.certificates.qr import CertificateClaims

TITLE = "SURAT KETERANGAN TANDA LAPOR KEHILANGAN"
NUMBER = "Nomor: {number}"
OPENING = (
    "Yang bertanda tangan di bawah ini menerangkan dengan sebenarnya bahwa telah datang melapor:"
)
ITEMS_INTRO = "Pelapor menerangkan telah kehilangan surat/barang berupa:"
LOST_WHEN = "Waktu kehilangan"
LOST_WHERE = "Tempat kehilangan"
REPORTED_AT = "Waktu melapor"
REPORTED_PLACE = "Tempat melapor"
NOT_A_REPLACEMENT = (
    "Surat keterangan ini bukan pengganti dokumen atau barang yang hilang. Surat ini "
    "digunakan untuk mengurus penggantian dokumen yang hilang pada instansi yang "
    "menerbitkannya."
)
VALIDITY = "Surat keterangan ini berlaku {days} hari, sampai dengan tanggal {until}."
CLOSING = "Demikian surat keterangan ini dibuat untuk dapat dipergunakan seperlunya."
FREE_OF_CHARGE = "Tidak dipungut biaya"
QR_CAPTION = "Pindai untuk memeriksa keaslian surat ini di {site}"
CONTINUED = "{title} (lanjutan)"
PAGE = "Halaman {page} dari {pages}"

VERIFY_MARKER = "/verify/"


@dataclass(frozen=True)
class PrintedItem:
    label: str  # "KTP (Kartu Tanda Penduduk)"
    details: tuple[tuple[str, str], ...]  # printed label/value rows: (("NIK", "3275…"),)


@dataclass(frozen=True)
class PrintedCertificate:
    """Exactly what one certificate prints; ``verify_url`` is the whole QR content."""

    letterhead: tuple[str, ...]  # kop surat, top to bottom
    letterhead_address: str  # the unit's address/phone line under the kop ("" allowed)
    number: str  # "SKTLK/123/VIII/2025/Sek.Bks.Sel"
    reporter: tuple[tuple[str, str], ...]  # Nama, NIK, Tempat/Tgl. Lahir, … as printed
    items: tuple[PrintedItem, ...]
    lost_when: str  # "Kamis, 31 Juli 2025 sekitar pukul 08.00 WIB"
    lost_where: str
    reported_at: str  # "Jumat, 1 Agustus 2025 pukul 09.15 WIB"
    reported_place: str  # the unit or post
    valid_until: str  # "30 Agustus 2025"
    validity_days: int
    place_and_date: str  # "Bekasi, 1 Agustus 2025"
    signer_title: tuple[str, ...]  # ("a.n. KEPALA KEPOLISIAN SEKTOR …", "KA SPKT")
    officer_name: str
    officer_rank: str
    officer_nrp: str
    verify_url: str  # "https://host/verify/<payload>.<signature>"

    def __post_init__(self) -> None:
        if not self.number.strip():
            raise ValueError("number: empty")
        if not self.items:
            raise ValueError("items: a certificate names at least one lost item")
        if self.validity_days < 1:
            raise ValueError("validity_days: must be positive")
        if VERIFY_MARKER not in self.verify_url:
            raise ValueError("verify_url: not a …/verify/<payload>.<signature> URL")

    @property
    def verify_site(self) -> str:
        """Where to check by hand: "kamtibmas.example/verify" (no scheme, no code)."""
        site = self.verify_url.rsplit(VERIFY_MARKER, 1)[0]
        return site.split("://", 1)[-1] + VERIFY_MARKER.rstrip("/")


SAMPLE_NUMBER = "SKTLK/123/VIII/2025/Sek.Bks.Sel"
SAMPLE_UNIT = "Polsek Bekasi Selatan"
SAMPLE_ISSUED = date(2025, 8, 1)
SAMPLE_VALID_UNTIL = date(2025, 8, 30)


def sample_claims(kid: str) -> CertificateClaims:
    """The QR claims that go with ``sample_certificate`` (for tests and the benchmark)."""
    return CertificateClaims.for_holder(
        kid=kid,
        no=SAMPLE_NUMBER,
        iat=SAMPLE_ISSUED,
        exp=SAMPLE_VALID_UNTIL,
        unit=SAMPLE_UNIT,
        holder_name="Siti Aminah",
        items=("ktp", "kk"),
    )


def sample_certificate(verify_url: str) -> PrintedCertificate:
    """A realistic certificate: a resident of Kayuringin Jaya lost her KTP and KK.

    The people, numbers and addresses are fictional (the NIK is well-formed for a woman
    born on 25 May 1990 in Bekasi Selatan, but belongs to nobody)."""
    return PrintedCertificate(
        letterhead=(
            "KEPOLISIAN NEGARA REPUBLIK INDONESIA",
            "DAERAH METRO JAYA",
            "RESOR METRO BEKASI KOTA",
            "SEKTOR BEKASI SELATAN",
        ),
        letterhead_address=(
            "Jl. Jend. Ahmad Yani No. 5, Kayuringin Jaya, Bekasi Selatan, Kota Bekasi 17144 · "
            "Telp. (021) 555-0110"
        ),
        number=SAMPLE_NUMBER,
        reporter=(
            ("Nama", "Siti Aminah"),
            ("NIK", "3275046505900002"),
            ("Tempat/Tgl. Lahir", "Bekasi, 25 Mei 1990"),
            ("Jenis Kelamin", "Perempuan"),
            ("Agama", "Islam"),
            ("Kewarganegaraan", "Indonesia"),
            ("Pekerjaan", "Karyawan Swasta"),
            (
                "Alamat",
                "Jl. Cendrawasih IV No. 12, RT 003/RW 024, Kel. Kayuringin Jaya, "
                "Kec. Bekasi Selatan, Kota Bekasi",
            ),
            ("No. Telepon", "0812-1234-5678"),
        ),
        items=(
            PrintedItem(
                label="KTP (Kartu Tanda Penduduk)",
                details=(("NIK", "3275046505900002"), ("Atas nama", "Siti Aminah")),
            ),
            PrintedItem(
                label="KK (Kartu Keluarga)",
                details=(("Nomor KK", "3275041203150007"), ("Kepala keluarga", "Ahmad Fauzi")),
            ),
        ),
        lost_when="Kamis, 31 Juli 2025 sekitar pukul 08.00 WIB",
        lost_where="Sekitar Pasar Kayuringin, Jl. Kayuringin Raya, Bekasi Selatan",
        reported_at="Jumat, 1 Agustus 2025 pukul 09.15 WIB",
        reported_place="SPKT Polsek Bekasi Selatan",
        valid_until="30 Agustus 2025",
        validity_days=30,
        place_and_date="Bekasi, 1 Agustus 2025",
        signer_title=("a.n. KEPALA KEPOLISIAN SEKTOR BEKASI SELATAN", "KA SPKT"),
        officer_name="BUDI SANTOSO, S.H.",
        officer_rank="AIPTU",
        officer_nrp="78050123",
        verify_url=verify_url,
    )
