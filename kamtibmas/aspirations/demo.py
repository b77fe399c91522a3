"""Demo aspirations (§4 C2, §8): how Polres Metro Bekasi Kota routes and answers
residents' aspirations, the aspirations raised at the Ngopi Kamtibmas of 31 July 2025
(PRODUCT.md §1) with the answers given on the spot, and about 300 other cases across
Kota Bekasi over the five months before the demo was first loaded.

Every case is written through ``aspirations.services``, by the demo user who would
do it: the Bhabinkamtibmas records what residents raise at a dialogue, the Polsek's
SPKT desk officer verifies what comes in for Bekasi Selatan, the Satreskrim
investigator works the crimes, the kelurahan answers what is referred to it, and the
Kapolres stands in for the Polres units that have no demo account.

The services stamp ``timezone.now()``. Demo-only back-dating (``_Builder``): after
each service call, the times that call wrote are moved with queryset ``.update()`` to
the moment the step is meant to have happened, and the deadlines are recomputed from
those moments with ``services.sla_context`` and ``sla.deadlines``, exactly as the
services compute them; the outbox messages of those steps are recorded as sent then.
Nothing else in the project writes past times this way.

Idempotent: the whole step is skipped once the reference lost-document case (the
one the demo's receipt code ``DEMO_RECEIPT_CODE`` follows) exists; units, rules and
templates are looked up before they are created. The generated cases are drawn from
``random.Random`` seeded with ``SEED``: the same on every machine, relative to the
moment of the first load.
"""

# ruff: noqa: E501 (the text tables below read best one entry to a line)
from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone, translation

from kamtibmas.accounts.models import User
from kamtibmas.areas.models import Area, AreaLevel, Unit, UnitKind
from kamtibmas.areas.services import area_rt_get_or_create, area_rw_get_or_create, unit_create
from kamtibmas.aspirations import receipt, sla
from kamtibmas.aspirations.lifecycle import Action
from kamtibmas.aspirations.models import (
    Aspiration,
    AspirationUpdate,
    NotifyChannel,
    Privacy,
    ResponseTemplate,
    RoutingRule,
    Source,
    Status,
    Survey,
    TriageCorrection,
)
from kamtibmas.aspirations.services import (
    SURVEY_AFTER_DAYS,
    aspiration_act,
    aspiration_assign,
    aspiration_note_add,
    aspiration_submit,
    aspiration_triage_confirm,
    sla_context,
    survey_answer,
)
from kamtibmas.core.scope import visible_to
from kamtibmas.core.timefmt import resolve_zone
from kamtibmas.engagements.demo import (
    KECAMATAN_CENTRES,
    REFERENCE_POINT,
    REFERENCE_TITLE,
    SELATAN,
)
from kamtibmas.engagements.models import Dialogue, DialogueStatus
from kamtibmas.notifications.models import OutboxMessage, OutboxStatus
from kamtibmas.triage.taxonomy import Category, Urgency

SEED = 20250731
WIB = ZoneInfo("Asia/Jakarta")
POLRES = "Polres Metro Bekasi Kota"
POLSEK = "Polsek Bekasi Selatan"
SATRESKRIM = "Satreskrim Polres Metro Bekasi Kota"
KELURAHAN = "Kelurahan Kayuringin Jaya"
KOTA_BEKASI = "32.75"
KAYURINGIN = "32.75.04.1005"

# The receipt code of the reference lost-document case, fixed so that ``kamtibmas
# demo`` can always say how to follow a case (codes are stored only as digests, so a
# random one could be shown once). Crockford base32 like every code; a demo secret.
DEMO_RECEIPT_CODE = "KMTB-3107-2025-BKS5"

# Duty-desk alerts (darurat) and escalations go to desk officers and commanders; with
# an email they show in the outbox as email, not only as SMS.
STAFF_EMAILS = {
    "kapolres": "kapolres.metrobekasikota@example.com",
    "spkt": "spkt.bekasiselatan@example.com",
}

# --- Routing set-up ---------------------------------------------------------------------

# The Polres' functional units (§5 bodies) besides the Satreskrim of the areas demo:
# (name, parent, §5 body). They sit at the Polres headquarters and cover the city.
FUNCTIONAL_UNITS = [
    ("Satresnarkoba Polres Metro Bekasi Kota", POLRES, "satresnarkoba"),
    ("Satlantas Polres Metro Bekasi Kota", POLRES, "satlantas"),
    ("Satsamapta Polres Metro Bekasi Kota", POLRES, "samapta"),
    ("Satbinmas Polres Metro Bekasi Kota", POLRES, "satbinmas"),
    ("Sipropam Polres Metro Bekasi Kota", POLRES, "propam"),
    # Women and children victims and cyber crime are units of the Satreskrim.
    ("Unit PPA Satreskrim Polres Metro Bekasi Kota", SATRESKRIM, "unit_ppa"),
    ("Unit Siber Satreskrim Polres Metro Bekasi Kota", SATRESKRIM, "satreskrim_siber"),
]
POLRES_ADDRESS = "Jl. Pramuka No. 1, Marga Jaya, Bekasi Selatan"

# City agencies the police refer to (§5: Satpol PP, Dishub, Dinsos, Dukcapil, city
# works): partner units covering the whole city, so any officer may refer to them.
AGENCIES = {
    "satpolpp": "Satpol PP Kota Bekasi",
    "dishub": "Dinas Perhubungan Kota Bekasi",
    "dinsos": "Dinas Sosial Kota Bekasi",
    "dukcapil": "Dinas Kependudukan dan Pencatatan Sipil Kota Bekasi",
    "dlh": "Dinas Lingkungan Hidup Kota Bekasi",
    "bmsda": "Dinas Bina Marga dan Sumber Daya Air Kota Bekasi",
}

# (jurisdiction, §5 body, target, note). What a Polres does: crimes go to the Polres
# units that investigate them, whatever the district. Patrols and public order
# (samapta), community policing (binmas: the Bhabinkamtibmas) and the front desk (spkt)
# stay with the Polsek where the Polres has one, because its officers are the ones on
# the ground; elsewhere the Polres' Satsamapta and Satbinmas take them, and the
# front-desk matters stay with the Polres itself (the default: the unit of the area).
# A Polsek rule wins over a Polres rule naming the same body: it is the more local
# jurisdiction. Kelurahan matters go to the kelurahan office covering the area
# (routing's partner default) or stay with the police unit of the area, which refers
# them to a city agency.
ROUTING_RULES = [
    (POLRES, "satreskrim", SATRESKRIM, "Pencurian dan kekerasan: Satreskrim"),
    (POLRES, "unit_ppa", "Unit PPA Satreskrim Polres Metro Bekasi Kota", "Korban perempuan dan anak: Unit PPA"),
    (POLRES, "satreskrim_siber", "Unit Siber Satreskrim Polres Metro Bekasi Kota", "Penipuan daring, pinjol, peretasan: Unit Siber"),
    (POLRES, "satresnarkoba", "Satresnarkoba Polres Metro Bekasi Kota", "Narkoba: Satresnarkoba"),
    (POLRES, "satlantas", "Satlantas Polres Metro Bekasi Kota", "Lalu lintas: Satlantas"),
    (POLRES, "samapta", "Satsamapta Polres Metro Bekasi Kota", "Patroli dan ketertiban umum"),
    (POLRES, "satbinmas", "Satbinmas Polres Metro Bekasi Kota", "Remaja dan pembinaan masyarakat"),
    (POLRES, "propam", "Sipropam Polres Metro Bekasi Kota", "Pengaduan perilaku anggota: Propam"),
    (POLSEK, "samapta", POLSEK, "Patroli dan ketertiban di wilayah Polsek: Unit Samapta Polsek"),
    (POLSEK, "satbinmas", POLSEK, "Remaja dan pembinaan: Bhabinkamtibmas Polsek"),
    (POLSEK, "spkt", POLSEK, "Layanan dan pertanyaan: SPKT Polsek"),
]  # fmt: skip

TEMPLATE_VERIFIED = (
    "Terima kasih, laporan Anda sudah kami terima dan verifikasi. Petugas akan "
    "menindaklanjutinya dan mengabarkan perkembangannya di halaman lacak dengan kode "
    "tanda terima Anda."
)
TEMPLATE_REFERRED = (
    "Permasalahan ini menjadi kewenangan pemerintah daerah, sehingga kami teruskan "
    "kepada kelurahan atau dinas terkait. Kami tetap memantau tindak lanjutnya dan akan "
    "mengabari Anda."
)
TEMPLATE_PATROL = (
    "Laporan Anda sudah ditindaklanjuti: petugas telah mengecek lokasi dan patroli di "
    "lingkungan Anda kami tambah. Bila kejadian terulang, kabari kami lewat halaman "
    "lacak atau hubungi 110 (bebas pulsa)."
)
TEMPLATE_OUT_OF_REMIT = (
    "Mohon maaf, permasalahan ini di luar kewenangan kepolisian (urusan perdata atau "
    "administrasi). Kami sarankan musyawarah di tingkat RT/RW atau menghubungi instansi "
    "yang berwenang. Laporan ini kami tutup."
)
TEMPLATE_REJECTED = (
    "Laporan ini tidak dapat kami proses karena isinya tidak jelas atau bukan pengaduan. "
    "Silakan kirim ulang dengan keterangan kejadian, waktu, dan lokasi."
)
RESPONSE_TEMPLATES = [
    ("Diterima dan diverifikasi", Status.VERIFIED, TEMPLATE_VERIFIED),
    ("Diteruskan ke kelurahan atau dinas", Status.REFERRED, TEMPLATE_REFERRED),
    ("Selesai: patroli ditambah", Status.RESOLVED, TEMPLATE_PATROL),
    ("Di luar kewenangan kepolisian", Status.CLOSED_UNRESOLVED, TEMPLATE_OUT_OF_REMIT),
    ("Tidak dapat diproses", Status.REJECTED, TEMPLATE_REJECTED),
]

# --- The aspirations of the reference dialogue (§1) ---------------------------------------


@dataclass(frozen=True)
class ReferenceCase:
    """One aspiration raised at the Ngopi Kamtibmas, recorded by the Bhabinkamtibmas."""

    key: str
    raised_at: datetime
    text: str
    spot_answer: str
    privacy: str
    reporter_name: str = ""
    reporter_phone: str = ""
    notify_by: str = ""


def _wib(hour: int, minute: int, day: int = 31, month: int = 7) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=WIB)


# The article reports what was raised, not who raised it: reporters are named by role,
# except the confidential drug report, whose reporter only the handlers know.
REFERENCE_CASES = [
    ReferenceCase(
        key="rawan",
        raised_at=_wib(10, 25),
        text=(
            "Ketua RW 024 menyampaikan bahwa kawasan permukiman padat RT 001/RW 024 "
            "tergolong rawan. Warga meminta kehadiran polisi dan patroli rutin, terutama "
            "pada malam hari di gang-gang permukiman."
        ),
        spot_answer=(
            "Kapolres menyatakan patroli di permukiman RW 024 akan ditambah, terutama "
            "malam hari, dan mengajak warga menghidupkan kembali siskamling."
        ),
        privacy=Privacy.PUBLIC,
        reporter_name="Ketua RW 024",
    ),
    ReferenceCase(
        key="ekonomi",
        raised_at=_wib(10, 40),
        text=(
            "Warga bersama Sekcam Bekasi Selatan menyampaikan persoalan ekonomi di kawasan "
            "padat: banyak warga kerja serabutan tanpa penghasilan tetap. Warga berharap ada "
            "pelatihan usaha dan padat karya."
        ),
        spot_answer=(
            "Kapolres mencatat aspirasi ini dan akan meneruskannya kepada Kelurahan "
            "Kayuringin Jaya dan Kecamatan Bekasi Selatan untuk program pelatihan kerja."
        ),
        privacy=Privacy.PUBLIC,
        reporter_name="Perwakilan warga RW 024",
    ),
    ReferenceCase(
        key="dokumen",
        raised_at=_wib(10, 55),
        text=(
            "Seorang warga bertanya bagaimana cara mengurus dokumen yang hilang dan "
            "apakah ada biayanya."
        ),
        spot_answer=(
            "Laporan kehilangan dapat dibuat di pos polisi terdekat dan tidak dipungut "
            "biaya. Kapolres menghubungkan warga dengan petugas yang berwenang; warga "
            "bertukar nomor telepon dengan petugas."
        ),
        privacy=Privacy.PUBLIC,
        reporter_name="Warga RT 001/RW 024",
        reporter_phone="081300011001",
        notify_by=NotifyChannel.WHATSAPP,
    ),
    ReferenceCase(
        key="jam_belajar",
        raised_at=_wib(11, 10),
        text=(
            "Ibu-ibu RW 024 minta bantuan menertibkan anak-anak yang masih keluyuran sampai "
            "larut malam, dan mengusulkan jam belajar malam diberlakukan di RW 024."
        ),
        spot_answer=(
            "Kapolres mengajak orang tua mengawasi anak-anak dan menegakkan jam belajar "
            "malam pukul 19.00–21.00; Bhabinkamtibmas akan mendampingi pengurus RW."
        ),
        privacy=Privacy.PUBLIC,
        reporter_name="Ibu-ibu PKK RW 024",
    ),
    ReferenceCase(
        key="narkoba",
        raised_at=_wib(11, 25),
        text=(
            "Warga khawatir anak-anak muda di gang belakang terjerumus obat-obatan; ada "
            "yang sering kumpul dan transaksi mencurigakan tengah malam. Mohon identitas "
            "pelapor dirahasiakan."
        ),
        spot_answer=(
            "Kapolres menegaskan informasi peredaran narkoba akan ditindaklanjuti "
            "Satresnarkoba dan identitas pelapor dirahasiakan."
        ),
        privacy=Privacy.CONFIDENTIAL,
        reporter_name="Rahmat Hidayat",
        reporter_phone="081300011005",
    ),
]

# --- The other cases: templates they are written from -----------------------------------

FORMAL, SPOKEN, CHAT = "formal", "spoken", "chat"


@dataclass(frozen=True)
class Template:
    """A way residents raise one kind of matter. ``category``/``urgency`` are what a
    handler would confirm; triage may suggest otherwise (then the verifying officer
    corrects it). ``partner``: the agency it is referred to (``AGENCIES`` key or
    "kelurahan"); ``kind`` "spam" is rejected, "remit" closed as out of remit."""

    category: str
    urgency: str
    register: str
    text: str
    weight: float = 1.0
    partner: str = ""
    sensitive: bool = False
    kind: str = ""
    only_in: str = ""  # a kecamatan code prefix


C, U = Category, Urgency
TEMPLATES = [
    # pencurian
    Template(C.PENCURIAN, U.TINGGI, FORMAL, "Dengan hormat, kami melaporkan sepeda motor {motor} milik warga dicuri dari halaman rumah di {rtrw}, Kelurahan {kel}, {hari} sekitar {jam}. Ini kejadian ketiga dalam sebulan; mohon patroli malam ditingkatkan.", 3),
    Template(C.PENCURIAN, U.TINGGI, CHAT, "min {rtrw} {kel} rawan curanmor bgt, udh 3 motor ilang bulan ini. plis patroli malem dong", 3),
    Template(C.PENCURIAN, U.SEDANG, SPOKEN, "Pak, rumah kontrakan saya di {jalan} kemalingan waktu ditinggal kerja, pintunya dicongkel, TV sama laptop hilang. Kejadiannya {hari}.", 2.5),
    Template(C.PENCURIAN, U.TINGGI, CHAT, "td {jam} ada jambret di {jalan} deket {tempat}, hp ibu2 dirampas pake motor. tlg ditindak", 2),
    Template(C.PENCURIAN, U.TINGGI, FORMAL, "Kami mohon perhatian atas maraknya begal di {jalan} pada dini hari. Beberapa pengemudi ojek daring menjadi korban dalam dua minggu terakhir.", 2),
    Template(C.PENCURIAN, U.RENDAH, SPOKEN, "Helm sama spion motor sering hilang di parkiran {tempat}, sudah lapor satpam tapi nggak ada tindakan.", 1.5),
    Template(C.PENCURIAN, U.SEDANG, CHAT, "kotak amal musala di {rtrw} dibobol lagi semalem, udh kedua kalinya", 1.5),
    Template(C.PENCURIAN, U.SEDANG, FORMAL, "Telah terjadi pencurian tabung gas dan pompa air di beberapa rumah di {rtrw}, Kelurahan {kel}. Warga meminta kegiatan siskamling dihidupkan kembali.", 2),
    Template(C.PENCURIAN, U.DARURAT, CHAT, "TOLONG ada maling masuk rumah tetangga sekarang di {jalan} {rtrw}, warga udah ngepung rumahnya", 0.6),
    # ketertiban
    Template(C.KETERTIBAN, U.TINGGI, CHAT, "tiap malem ada yg mabok miras di pos ronda {rtrw}, berisik bgt sampe subuh. warga takut negur", 3, partner="satpolpp"),
    Template(C.KETERTIBAN, U.SEDANG, FORMAL, "Kami warga {rtrw} Kelurahan {kel} resah dengan aktivitas judi online (judol) sejumlah pemuda di warung kopi dekat {tempat} hingga larut malam.", 2.5),
    Template(C.KETERTIBAN, U.SEDANG, SPOKEN, "Ada parkir liar di depan {tempat} {jalan}, tukang parkirnya maksa minta lima ribu, kalau nggak dikasih marah-marah.", 2.5, partner="dishub"),
    Template(C.KETERTIBAN, U.TINGGI, CHAT, "preman di {tempat} malakin pedagang tiap hari, katanya uang keamanan. tolong ditertibkan pak", 2),
    Template(C.KETERTIBAN, U.TINGGI, FORMAL, "Mohon penertiban warung yang menjual minuman keras secara bebas kepada anak di bawah umur di {jalan}.", 1.5, partner="satpolpp"),
    Template(C.KETERTIBAN, U.TINGGI, CHAT, "anak2 muda di {tempat} pada main judol sampe subuh, ada yg udh jual motor buat depo. resah bgt", 1.5),
    Template(C.KETERTIBAN, U.SEDANG, SPOKEN, "Sabung ayam tiap Minggu pagi di lahan kosong belakang {tempat}, banyak yang taruhan.", 1),
    Template(C.KETERTIBAN, U.SEDANG, CHAT, "knalpot brong sama sound horeg tiap malem minggu di {jalan}, bising parah sampe jam 3", 1.5),
    Template(C.KETERTIBAN, U.SEDANG, FORMAL, "Ada pihak yang meminta pungutan liar kepada pedagang kaki lima di {tempat} dengan mengatasnamakan ormas.", 1.5, partner="satpolpp"),
    # lingkungan
    Template(C.LINGKUNGAN, U.SEDANG, FORMAL, "Lampu penerangan jalan umum di {jalan} sekitar {tempat} padam sejak dua minggu lalu sehingga rawan kejahatan pada malam hari.", 3, partner="bmsda"),
    Template(C.LINGKUNGAN, U.SEDANG, CHAT, "got di {rtrw} mampet penuh sampah, tiap ujan pasti banjir sebetis. udh lapor rt gak ditanggepin", 3, partner="kelurahan"),
    Template(C.LINGKUNGAN, U.SEDANG, SPOKEN, "Tumpukan sampah liar di pinggir kali dekat {tempat} sudah menggunung dan bau, warga dari luar ikut buang di sini.", 2, partner="dlh"),
    Template(C.LINGKUNGAN, U.SEDANG, FORMAL, "Jalan berlubang di {jalan} depan {tempat} sudah membuat beberapa pengendara motor terjatuh. Mohon segera diperbaiki.", 2, partner="bmsda"),
    Template(C.LINGKUNGAN, U.TINGGI, CHAT, "kabel listrik sama kabel internet semrawut di gang {rtrw}, ada yg ngejuntai rendah bgt, takut korsleting", 1.5, partner="kelurahan"),
    Template(C.LINGKUNGAN, U.DARURAT, FORMAL, "Ada kebakaran sekarang di permukiman padat {rtrw} Kelurahan {kel}, api sudah besar, tolong kirim pemadam!", 0.4),
    Template(C.LINGKUNGAN, U.TINGGI, SPOKEN, "Bau sampah dari TPST makin menyengat tiap sore, banyak anak batuk-batuk. Truk sampah juga sering ngebut lewat {jalan}.", 3, partner="dlh", only_in="32.75.07"),
    Template(C.LINGKUNGAN, U.TINGGI, FORMAL, "Pohon tumbang menutup setengah badan jalan di {jalan} sejak hujan deras semalam.", 1, partner="bmsda"),
    # keamanan
    Template(C.KEAMANAN, U.SEDANG, FORMAL, "Kami memohon kehadiran Bhabinkamtibmas dan patroli rutin di {rtrw} Kelurahan {kel}, karena pos kamling sudah lama tidak aktif.", 2.5),
    Template(C.KEAMANAN, U.TINGGI, CHAT, "ada org asing mondar mandir tiap malam di gang {rtrw}, liat2 motor warga. mencurigakan bgt", 2),
    Template(C.KEAMANAN, U.SEDANG, SPOKEN, "CCTV di portal {rtrw} rusak, minta dibantu koordinasi pemasangan ulang sama jadwal ronda.", 1.5),
    Template(C.KEAMANAN, U.RENDAH, FORMAL, "Mohon saran cara mengaktifkan kembali siskamling di lingkungan {rtrw}; warga bersedia ronda bergiliran.", 1),
    # remaja
    Template(C.REMAJA, U.TINGGI, CHAT, "balap liar tiap malem minggu di {jalan}, anak2 smp pake motor tanpa helm. bahaya bgt", 2.5),
    Template(C.REMAJA, U.TINGGI, FORMAL, "Kami orang tua siswa melaporkan anak-anak yang sering bolos dan nongkrong di warnet dekat {tempat} pada jam sekolah.", 1.5),
    Template(C.REMAJA, U.SEDANG, SPOKEN, "Tembok sekolah sama fasilitas umum di {rtrw} dicoret-coret geng motor, warga minta pelakunya dibina.", 1.5),
    Template(C.REMAJA, U.SEDANG, CHAT, "anak2 masih keluyuran jam 12 malem di {tempat}, bisa gak diadain jam belajar malam di {kel}?", 1.5),
    Template(C.KEKERASAN, U.DARURAT, CHAT, "sedang tawuran pelajar di {jalan} deket {tempat}, ada yg bawa celurit, cepet pak!!", 0.8),
    Template(C.REMAJA, U.RENDAH, FORMAL, "Usul kegiatan olahraga dan karang taruna untuk remaja {rtrw} supaya tidak nongkrong sampai malam.", 1),
    # narkoba
    Template(C.NARKOBA, U.TINGGI, FORMAL, "Kami mencurigai sebuah rumah kontrakan di {rtrw} Kelurahan {kel} dijadikan tempat transaksi narkoba; tamu datang silih berganti hingga dini hari.", 2, sensitive=True),
    Template(C.NARKOBA, U.TINGGI, CHAT, "di {tempat} sering ada yg nyabu, baunya kecium sampe rumah. tlg jgn sebut nama saya", 1.5, sensitive=True),
    Template(C.NARKOBA, U.TINGGI, SPOKEN, "Anak tetangga kecanduan obat, katanya beli tramadol sama pil koplo di toko kosmetik di {jalan}.", 1.5, sensitive=True),
    Template(C.NARKOBA, U.TINGGI, SPOKEN, "Ada pengedar ganja yang suka nongkrong di {tempat}, nawarin ke anak sekolah.", 1, sensitive=True),
    # penipuan
    Template(C.PENIPUAN, U.TINGGI, CHAT, "ibu saya ketipu telpon ngaku2 dari bank, kode OTP dikasih, saldo {n} juta ilang. gmn ini pak", 2),
    Template(C.PENIPUAN, U.TINGGI, FORMAL, "Saya menjadi korban penipuan jual beli daring: sudah transfer Rp{n}.500.000 untuk pembelian ponsel, barang tidak dikirim dan nomor penjual tidak aktif.", 2),
    Template(C.PENIPUAN, U.SEDANG, CHAT, "diteror debt collector pinjol ilegal, foto KTP saya disebar ke semua kontak. udh gak kuat", 2.5, sensitive=True),
    Template(C.PENIPUAN, U.SEDANG, SPOKEN, "Banyak warga ikut arisan bodong yang dikelola warga {rtrw}, pengelolanya sekarang kabur.", 1),
    Template(C.PENIPUAN, U.SEDANG, FORMAL, "Akun WhatsApp saya dibajak dan dipakai untuk meminta pulsa dan uang kepada kontak saya.", 1),
    # kekerasan
    Template(C.KEKERASAN, U.TINGGI, FORMAL, "Tetangga kami diduga melakukan KDRT; teriakan dan suara pukulan terdengar hampir setiap malam, anak-anaknya juga terlihat lebam.", 1.5, sensitive=True),
    Template(C.KEKERASAN, U.TINGGI, SPOKEN, "Anak saya dikeroyok kakak kelasnya waktu pulang sekolah di dekat {tempat}, sekarang trauma nggak mau sekolah.", 1.5, sensitive=True),
    Template(C.KEKERASAN, U.TINGGI, CHAT, "ada yg main hakim sendiri ke maling di {jalan} semalem, sampe babak belur", 1),
    Template(C.KEKERASAN, U.TINGGI, FORMAL, "Saya mengalami pelecehan di angkot yang melintas di {jalan}; pelaku sering beraksi pada jam pulang kerja.", 1, sensitive=True),
    Template(C.KEKERASAN, U.DARURAT, CHAT, "Tolong ada orang ditusuk di depan {tempat} {jalan}, pelaku kabur ke arah gang", 0.5),
    # lalu_lintas
    Template(C.LALU_LINTAS, U.SEDANG, SPOKEN, "Setiap pagi macet parah di pertigaan {jalan} karena angkot ngetem sembarangan, mohon ada petugas yang mengatur.", 2, partner="dishub"),
    Template(C.LALU_LINTAS, U.TINGGI, FORMAL, "Rambu dilarang putar balik di {jalan} tertutup dahan pohon sehingga sering terjadi kecelakaan kecil.", 1, partner="dishub"),
    Template(C.LALU_LINTAS, U.SEDANG, CHAT, "lampu merah di perempatan {jalan} mati udh 3 hari, semrawut bgt", 1.5, partner="dishub"),
    Template(C.LALU_LINTAS, U.SEDANG, SPOKEN, "Truk besar lewat jalan permukiman {rtrw} padahal ada larangan, jalan jadi rusak dan bahaya buat anak-anak.", 1, partner="dishub"),
    # layanan
    Template(C.LAYANAN, U.RENDAH, FORMAL, "Mohon informasi syarat dan lama pembuatan SKCK untuk melamar kerja.", 1.5),
    Template(C.LAYANAN, U.SEDANG, CHAT, "laporan saya soal motor ilang bulan lalu gimana perkembangannya ya? blm ada kabar sama sekali", 1),
    Template(C.LAYANAN, U.TINGGI, FORMAL, "Saat ditilang di {jalan}, oknum petugas minta uang damai Rp200.000 tanpa surat tilang.", 0.8, sensitive=True),
    Template(C.LAYANAN, U.RENDAH, SPOKEN, "Bagaimana cara membuat surat kehilangan untuk STNK yang hilang?", 1),
    Template(C.LAINNYA, U.RENDAH, SPOKEN, "Terima kasih buat petugas Polsek yang cepat datang waktu ada keributan di {rtrw} kemarin.", 0.5),
    # sosial
    Template(C.SOSIAL, U.SEDANG, FORMAL, "Warga lansia di {rtrw} belum terdaftar bansos padahal kondisinya tidak mampu, mohon dibantu pendataan.", 1.5, partner="dinsos"),
    Template(C.SOSIAL, U.RENDAH, CHAT, "KTP-el sama KK saya ilang pas banjir, gmn cara ngurusnya? hrs ke dukcapil dulu?", 1, partner="dukcapil"),
    Template(C.SOSIAL, U.SEDANG, SPOKEN, "Banyak pemuda di {rtrw} pengangguran, minta ada pelatihan kerja dari kelurahan.", 1, partner="kelurahan"),
    Template(C.SOSIAL, U.SEDANG, FORMAL, "Anak yatim di {rtrw} terancam putus sekolah karena biaya sekolah; apakah bisa dibantu?", 0.8, partner="dinsos"),
    # out of remit: closed without resolution
    Template(C.LAINNYA, U.RENDAH, FORMAL, "Tetangga saya meminjam uang Rp{n}.000.000 setahun lalu dan tidak mau membayar. Apakah bisa dilaporkan ke polisi?", 1, kind="remit"),
    Template(C.LAINNYA, U.RENDAH, SPOKEN, "Ada sengketa batas tanah warisan dengan saudara di {rtrw}, minta polisi mengukur ulang.", 0.8, kind="remit"),
    Template(C.LAINNYA, U.RENDAH, CHAT, "gaji saya 3 bulan blm dibayar perusahaan, bisa lapor polisi gak?", 0.8, kind="remit"),
    # spam and unintelligible: rejected
    Template(C.LAINNYA, U.RENDAH, CHAT, "tes", 0.6, kind="spam"),
    Template(C.LAINNYA, U.RENDAH, CHAT, "asdfgh jkl", 0.4, kind="spam"),
    Template(C.LAINNYA, U.RENDAH, FORMAL, "Pinjaman dana tunai cepat cair tanpa agunan, bunga rendah. Hubungi admin kami untuk pengajuan.", 0.6, kind="spam"),
    Template(C.LAINNYA, U.RENDAH, FORMAL, "Selamat! Nomor Anda memenangkan undian berhadiah, klaim hadiahnya di situs resmi kami.", 0.4, kind="spam"),
]  # fmt: skip

# Main roads by kecamatan (Kota Bekasi), for the {jalan} of a case.
ROADS = {
    "32.75.01": ["Jl. Ir. H. Juanda", "Jl. Cut Meutia", "Jl. Pahlawan", "Jl. Mayor Oking"],
    "32.75.02": ["Jl. Sultan Agung", "Jl. Kranji Raya", "Jl. Patriot", "Jl. I Gusti Ngurah Rai"],
    "32.75.03": ["Jl. Perjuangan", "Jl. Kaliabang Raya", "Jl. Teluk Pucung Raya"],
    "32.75.04": [
        "Jl. Kemakmuran",
        "Jl. Jend. Ahmad Yani",
        "Jl. KH Noer Ali",
        "Jl. Pekayon Raya",
        "Jl. Jakasetia",
        "Jl. Kayuringin Raya",
    ],
    "32.75.05": ["Jl. Narogong Raya", "Jl. Pengasinan Raya", "Jl. Bojong Menteng"],
    "32.75.06": ["Jl. Harapan Indah Raya", "Jl. Pejuang Jaya", "Jl. Kaliabang"],
    "32.75.07": ["Jl. Raya Narogong", "Jl. Raya Bantargebang-Setu", "Jl. Pangkalan Lima"],
    "32.75.08": ["Jl. Raya Jatiwaringin", "Jl. Pondok Gede Raya", "Jl. Caman Raya"],
    "32.75.09": ["Jl. Raya Jatiasih", "Jl. Wibawa Mukti", "Jl. Jatiluhur Raya"],
    "32.75.10": ["Jl. Raya Kranggan", "Jl. Jatisampurna Raya", "Jl. Raya Jatikarya"],
    "32.75.11": ["Jl. Raya Mustikajaya", "Jl. Padurenan Raya", "Jl. Cimuning Raya"],
    "32.75.12": ["Jl. Raya Hankam", "Jl. Jatiwarna Raya", "Jl. Jatimurni Raya"],
}
PLACES = [
    "minimarket",
    "pos ronda",
    "lapangan voli",
    "musala",
    "warung kopi",
    "pangkalan ojek",
    "SD negeri",
    "pasar",
    "kolong jembatan",
    "pinggir kali",
    "lahan kosong",
    "gerbang perumahan",
    "taman warga",
    "pool angkot",
]
# How residents open and close a message, by register ("" most often).
OPENERS = {
    FORMAL: ["", "", "", "Selamat siang. ", "Assalamualaikum wr. wb. "],
    SPOKEN: ["", "", "", "Permisi, ", "Maaf mengganggu, "],
    CHAT: ["", "", "", "min, ", "halo min ", "pak polisi, "],
}
CLOSERS = {
    FORMAL: ["", "", " Terima kasih.", " Atas perhatiannya kami ucapkan terima kasih."],
    SPOKEN: ["", "", " Terima kasih, Pak.", " Mohon dibantu ya."],
    CHAT: ["", "", " mksh", " mohon dibantu ya min", " thx"],
}
# Texts that already open by addressing someone (or cry for help) take no opener.
ADDRESSED = ("min ", "Pak, ", "Dengan hormat", "TOLONG", "Tolong", "sedang ")
MOTORS = ["Honda Beat", "Honda Vario", "Yamaha NMAX", "Honda Scoopy", "Yamaha Mio", "Honda Supra X"]
WHEN = {
    FORMAL: ["pada Sabtu malam", "kemarin malam", "pada dini hari tadi", "pada Minggu dini hari"],
    SPOKEN: ["semalam", "kemarin sore", "malam Minggu kemarin", "pas subuh tadi"],
    CHAT: ["semalem", "kmrn malem", "td subuh", "tadi malem"],
}
FIRST_NAMES = [
    "Budi", "Siti", "Agus", "Dewi", "Rudi", "Sri", "Andi", "Rina", "Hendra", "Wati",
    "Joko", "Yanti", "Dedi", "Nur", "Eko", "Lina", "Ahmad", "Fitri", "Bambang", "Ratna",
    "Asep", "Euis", "Iwan", "Maya", "Rizky", "Putri", "Fajar", "Indah", "Slamet", "Yuli",
    "Hasan", "Aisyah", "Dimas", "Nabila", "Rojali", "Mursidah", "Yusuf", "Mega",
]  # fmt: skip
LAST_NAMES = [
    "Saputra", "Wijaya", "Hidayat", "Santoso", "Susanto", "Nugroho", "Pratama", "Lestari",
    "Rahmawati", "Kurniawan", "Setiawan", "Gunawan", "Siregar", "Simanjuntak", "Nasution",
    "Sembiring", "Permana", "Sudrajat", "Wulandari", "Firmansyah", "Ramadhan", "Maulana",
]  # fmt: skip

# Where residents live densely, more is reported (weights by kelurahan; default 1).
# Bekasi Selatan, the Polsek of the demo, is weighted up so that its officers'
# inboxes are full.
VILLAGE_WEIGHTS = {
    "32.75.04.1005": 9,  # Kayuringin Jaya
    "32.75.04.1004": 6,  # Jaka Setia
    "32.75.04.1001": 6,  # Pekayon Jaya
    "32.75.04.1002": 4,  # Marga Jaya
    "32.75.04.1003": 4,  # Jaka Mulya
    "32.75.03.1001": 4,  # Kaliabang Tengah
    "32.75.03.1006": 4,  # Harapan Jaya
    "32.75.03.1004": 3,  # Teluk Pucung
    "32.75.03.1002": 3,  # Perwira
    "32.75.02.1002": 3,  # Kranji
    "32.75.02.1001": 3,  # Bintara
    "32.75.02.1003": 3,  # Kota Baru
    "32.75.01.1002": 3,  # Margahayu
    "32.75.01.1001": 3,  # Bekasi Jaya
    "32.75.01.1003": 2,  # Duren Jaya
    "32.75.01.1004": 2,  # Aren Jaya
    "32.75.06.1003": 3,  # Pejuang
    "32.75.06.1002": 2,  # Harapan Mulya
    "32.75.08.1001": 3,  # Jatiwaringin
    "32.75.08.1002": 2,  # Jatibening
    "32.75.08.1003": 2,  # Jatimakmur
    "32.75.09.1002": 2,  # Jatiasih
    "32.75.05.1001": 2,  # Bojong Rawalumbu
    "32.75.07.1003": 2,  # Bantargebang
    "32.75.07.1008": 2,  # Sumur Batu
}

# What handlers write as a case moves (by confirmed category).
PROGRESS = {
    C.PENCURIAN: [
        "Tim opsnal sudah mendatangi lokasi dan meminta rekaman CCTV warga sekitar.",
        "Saksi-saksi sudah dimintai keterangan; patroli malam di lokasi ditingkatkan "
        "selama penyelidikan.",
    ],
    C.KETERTIBAN: [
        "Personel Samapta menyambangi lokasi dan menegur pihak terkait.",
        "Lokasi dimasukkan ke rute patroli malam; penertiban bersama Satpol PP dijadwalkan.",
    ],
    C.LINGKUNGAN: [
        "Lokasi sudah dicek petugas dan difoto; perbaikan dikoordinasikan dengan kelurahan.",
    ],
    C.KEAMANAN: [
        "Bhabinkamtibmas bertemu pengurus RT/RW untuk menyusun ulang jadwal ronda.",
        "Patroli dialogis dijadwalkan di lokasi setiap malam selama dua minggu.",
    ],
    C.REMAJA: [
        "Bhabinkamtibmas berkoordinasi dengan sekolah dan orang tua; patroli di titik "
        "kumpul remaja ditambah.",
    ],
    C.NARKOBA: ["Informasi sedang didalami petugas; identitas pelapor dirahasiakan."],
    C.PENIPUAN: [
        "Penyidik menelusuri rekening dan nomor pelaku. Simpan semua bukti percakapan "
        "dan transfer.",
    ],
    C.KEKERASAN: [
        "Korban sudah didampingi dan dimintai keterangan; penyidik memeriksa saksi-saksi.",
    ],
    C.LALU_LINTAS: [
        "Personel pengatur lalu lintas ditempatkan pada jam sibuk sambil menunggu "
        "penanganan Dinas Perhubungan.",
    ],
    C.LAYANAN: ["Petugas SPKT menghubungi pelapor untuk menjelaskan prosedurnya."],
    C.SOSIAL: ["Data warga sudah disampaikan kepada kelurahan untuk diverifikasi."],
    C.LAINNYA: ["Petugas menghubungi pelapor untuk klarifikasi."],
}
RESOLUTION = {
    C.PENCURIAN: [
        "Pelaku telah diamankan dan barang bukti dikembalikan kepada pemiliknya.",
        TEMPLATE_PATROL,
    ],
    C.KETERTIBAN: [
        "Lokasi sudah ditertibkan bersama Satpol PP; pelaku diberi pembinaan dan membuat "
        "surat pernyataan.",
        TEMPLATE_PATROL,
    ],
    C.LINGKUNGAN: [
        "Perbaikan sudah dilakukan oleh dinas terkait dan dicek kembali oleh petugas.",
        "Kerja bakti bersama warga dan kelurahan sudah dilaksanakan; lokasi sudah bersih.",
    ],
    C.KEAMANAN: [TEMPLATE_PATROL, "Siskamling RW sudah aktif kembali dengan jadwal bergilir."],
    C.REMAJA: [
        "Remaja yang terlibat sudah dibina bersama orang tua dan sekolah; titik kumpul "
        "masuk rute patroli.",
    ],
    C.NARKOBA: [
        "Hasil penyelidikan sudah ditindaklanjuti dengan penangkapan; terima kasih atas "
        "informasinya.",
    ],
    C.PENIPUAN: [
        "Laporan polisi sudah dibuat dan pelaku teridentifikasi; pelapor mendapat "
        "pemberitahuan perkembangan penyidikan (SP2HP).",
    ],
    C.KEKERASAN: ["Pelaku sudah diproses; korban didampingi hingga pemeriksaan selesai."],
    C.LALU_LINTAS: ["Dinas Perhubungan sudah menertibkan lokasi; arus lalu lintas lancar."],
    C.LAYANAN: [
        "Pertanyaan sudah dijawab: syarat dan prosedurnya dijelaskan kepada pelapor.",
    ],
    C.SOSIAL: ["Warga yang bersangkutan sudah didata dan dibantu oleh instansi terkait."],
    C.LAINNYA: ["Terima kasih atas apresiasinya; laporan kami tutup."],
}
# What the duty desk's response to an emergency achieved, by confirmed category.
EMERGENCY_RESOLUTION = {
    C.KEKERASAN: "Personel Samapta dan piket Reskrim tiba di lokasi dalam 15 menit; massa "
    "dibubarkan dan para pelaku diamankan.",
    C.PENCURIAN: "Petugas tiba di lokasi; terduga pelaku diamankan tanpa dihakimi massa dan "
    "dibawa ke kantor polisi.",
    C.LINGKUNGAN: "Laporan diteruskan ke Damkar Kota Bekasi; api dipadamkan dan petugas "
    "mengamankan lokasi.",
}
EMERGENCY_HANDLED = "Petugas piket tiba di lokasi; situasi sudah terkendali."
# Why a case is closed without a resolution, by confirmed category.
UNSOLVED = (
    "Penyelidikan belum menemukan pelaku karena tidak ada saksi maupun rekaman CCTV. "
    "Laporan dicatat untuk pemetaan titik rawan dan patroli."
)
NOT_FOUND = (
    "Petugas sudah beberapa kali mengecek lokasi dan tidak menemukan kejadian yang "
    "dilaporkan. Laporan kami tutup; silakan lapor lagi bila terulang."
)
PARTNER_MATTER = (
    "Penanganannya menjadi kewenangan pemerintah daerah dan sudah kami sampaikan kepada "
    "dinas terkait; tindak lanjut kepolisian selesai dan laporan kami tutup."
)
UNREACHABLE = (
    "Pelapor tidak dapat dihubungi untuk klarifikasi. Laporan kami tutup dan dapat dibuka "
    "kembali bila ada keterangan tambahan."
)
CLOSING = {
    C.PENCURIAN: UNSOLVED,
    C.KEKERASAN: UNSOLVED,
    C.PENIPUAN: UNSOLVED,
    C.NARKOBA: "Penyelidikan belum menemukan bukti yang cukup; informasinya disimpan untuk "
    "pengembangan.",
    C.KETERTIBAN: NOT_FOUND,
    C.KEAMANAN: NOT_FOUND,
    C.REMAJA: NOT_FOUND,
    C.LALU_LINTAS: PARTNER_MATTER,
    C.LINGKUNGAN: PARTNER_MATTER,
    C.SOSIAL: PARTNER_MATTER,
    C.LAYANAN: UNREACHABLE,
    C.LAINNYA: UNREACHABLE,
}
SURVEY_FIXED = [
    "Sudah beres, terima kasih.",
    "Terima kasih atas tindak lanjutnya.",
    "Sudah lebih baik sekarang.",
    "",
]
SURVEY_NOT_FIXED = [
    "Belum ada perubahan di lokasi.",
    "Terjadi lagi beberapa hari kemudian.",
    "Tidak ada petugas yang datang ke lokasi.",
]

# Final state by the case's age in days: (up to days, weights in STATUS_ORDER).
STATUS_ORDER = [
    Status.RECEIVED,
    Status.VERIFIED,
    Status.REFERRED,
    Status.IN_PROGRESS,
    Status.RESOLVED,
    Status.CLOSED_UNRESOLVED,
]
STATUS_BY_AGE = [
    (2, [40, 25, 5, 15, 15, 0]),
    (7, [10, 15, 12, 30, 30, 3]),
    (30, [3, 5, 10, 22, 52, 8]),
    (10_000, [1, 2, 5, 9, 70, 13]),
]
GENERATED = 270  # plus the aspirations of the other dialogues and of the reference one
DAYS_BACK = 150
DUPLICATE_SHARE = 0.05
MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class CaseSpec:
    """One generated case: where, who, when, what and how far it has come."""

    key: int
    template: int
    village: str
    rw: int
    rt: int | None
    slots: Mapping[str, str]
    privacy: str
    source: str
    minutes_before: int  # received this long before the end of the first load's day
    status: str
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    notify_by: str = ""
    resident_account: bool = False
    point: tuple[float, float] | None = None
    duplicate_of: int | None = None  # the key of the case it repeats


def demo_load() -> list[Aspiration]:
    """Routing set-up, then (once) the reference dialogue's aspirations and the others.
    Returns the aspirations of the reference dialogue."""
    # What the services write in words (escalations, questionnaire answers) is
    # written in Indonesian, like the rest of the demo, whatever the caller's language.
    with transaction.atomic(), translation.override("id"):
        units = _routing_load()
        _staff_emails_load()
        reference = Dialogue.objects.get(title=REFERENCE_TITLE)
        if not Aspiration.objects.filter(receipt_digest=_demo_digest()).exists():
            builder = _Builder(units=units)
            builder.reference_load(reference)
            builder.dialogues_load(reference)
            builder.generated_load()
        return list(Aspiration.objects.filter(dialogue=reference).order_by("received_at"))


def _demo_digest() -> str:
    return receipt.receipt_digest(DEMO_RECEIPT_CODE) or ""


# --- Routing set-up -------------------------------------------------------------------


def _unit(name: str, **fields: Any) -> Unit:
    existing = Unit.objects.filter(name=name).first()
    return existing if existing is not None else unit_create(name=name, **fields)


def _routing_load() -> dict[str, Unit]:
    kota = Area.objects.get(code=KOTA_BEKASI)
    selatan = Area.objects.get(code=SELATAN)
    units = {u.name: u for u in Unit.objects.filter(name__in=[POLRES, POLSEK, SATRESKRIM])}
    for name, parent, _body in FUNCTIONAL_UNITS:
        units[name] = _unit(
            name,
            kind=UnitKind.SATUAN,
            parent=units[parent],
            coverage=[kota],
            area=selatan,
            address=POLRES_ADDRESS,
        )
    for name in AGENCIES.values():
        units[name] = _unit(name, kind=UnitKind.AGENCY, coverage=[kota], area=kota)
    units[KELURAHAN] = Unit.objects.get(name=KELURAHAN)
    # Rules and templates are configuration rows an administrator edits in the admin;
    # no service writes them, so the demo creates the rows as the admin would.
    for jurisdiction, body, target, note in ROUTING_RULES:
        RoutingRule.objects.get_or_create(
            jurisdiction=units[jurisdiction],
            category="",
            responsible=body,
            area=None,
            defaults={"target": units[target], "note": note},
        )
    for title, status, text in RESPONSE_TEMPLATES:
        ResponseTemplate.objects.get_or_create(
            unit=units[POLRES], title=title, defaults={"status": status, "text": text}
        )
    return units


def _staff_emails_load() -> None:
    """The accounts app has no service to change an email: set it where still empty."""
    for username, email in STAFF_EMAILS.items():
        User.objects.filter(username=username, email__isnull=True).update(email=email)


# --- The generated cases, drawn without the database -----------------------------------


def case_specs(villages: list[str]) -> list[CaseSpec]:
    """The generated cases in ``villages`` (codes of Kota Bekasi's kelurahan, sorted),
    oldest first, drawn from ``random.Random(SEED)``: the same list every time."""
    rng = random.Random(SEED)
    weights = [VILLAGE_WEIGHTS.get(code, 1) for code in villages]
    specs: list[CaseSpec] = []
    for key in range(GENERATED):
        if specs and rng.random() < DUPLICATE_SHARE:
            duplicate = _duplicate_spec(rng, key, specs)
            if duplicate is not None:
                specs.append(duplicate)
                continue
        village = rng.choices(villages, weights)[0]
        specs.append(case_spec(rng, key, village))
    return sorted(specs, key=lambda spec: (-spec.minutes_before, spec.key))


def case_spec(
    rng: random.Random, key: int, village: str, *, days_back: float = DAYS_BACK
) -> CaseSpec:
    """One case drawn in ``village`` (a Kota Bekasi kelurahan code) from ``rng``, within
    ``days_back`` days; also what ``aspirations.synthetic`` draws its benchmark cases
    from."""
    pool = [
        (i, t) for i, t in enumerate(TEMPLATES) if not t.only_in or village.startswith(t.only_in)
    ]
    index, template = rng.choices(pool, [t.weight for _i, t in pool])[0]
    # More reports lately than five months ago (the platform is being adopted).
    days = days_back * rng.random() ** 1.3
    desk = village.startswith(SELATAN) and rng.random() < 0.3
    hour = rng.choice([8, 9, 10, 11, 13, 14, 15]) if desk else _evening_hour(rng)
    minutes_before = int(days) * 1440 + 1440 - (hour * 60 + rng.randint(0, 59))
    source = (
        Source.DESK
        if desk
        else rng.choices([Source.WEB, Source.OPEN311, Source.API], [85, 10, 5])[0]
    )
    privacy = _privacy(rng, template)
    rw, rt = rng.randint(1, 26), rng.randint(1, 12)
    register_rt = {
        FORMAL: f"RT {rt:03d}/RW {rw:03d}",
        SPOKEN: f"RT {rt} RW {rw}",
        CHAT: f"rt {rt:02d} rw {rw:02d}",
    }[template.register]
    hour_said = rng.choice([22, 23, 0, 1, 2, 3, 19, 20])
    slots = {
        "rtrw": register_rt,
        "jalan": rng.choice(ROADS[village[:8]]),
        "tempat": rng.choice(PLACES),
        "motor": rng.choice(MOTORS),
        "hari": rng.choice(WHEN[template.register]),
        "jam": f"pukul {hour_said:02d}.{rng.choice([0, 15, 30, 45]):02d} WIB"
        if template.register == FORMAL
        else f"jam {hour_said % 12 or 12}",
        "n": str(rng.randint(2, 9)),
        **_framing(rng, template.register),
    }
    contact = _contact(rng, privacy, key, desk=desk)
    lat, lon = KECAMATAN_CENTRES[village[:8]]
    point = (
        (round(lat + rng.uniform(-0.015, 0.015), 5), round(lon + rng.uniform(-0.015, 0.015), 5))
        if rng.random() < 0.7
        else None
    )
    status = _status(rng, template, days)
    return CaseSpec(
        key=key,
        template=index,
        village=village,
        rw=rw,
        rt=rt if rng.random() < 0.8 else None,
        slots=slots,
        privacy=privacy,
        source=source,
        minutes_before=minutes_before,
        status=status,
        point=point,
        resident_account=(
            village == KAYURINGIN and privacy == Privacy.PUBLIC and source == Source.WEB
        ),
        **contact,
    )


def _framing(rng: random.Random, register: str) -> dict[str, str]:
    return {"opener": rng.choice(OPENERS[register]), "closer": rng.choice(CLOSERS[register])}


def render(template: Template, slots: Mapping[str, str], village: str) -> str:
    """The text of a case: the template with its details, as the resident framed it."""
    text = template.text.format_map({**slots, "kel": village})
    opener = slots.get("opener", "")
    if text.startswith(ADDRESSED):
        opener = ""
    elif opener.endswith(", ") and text[1:2].islower():  # "Permisi, helm…"; not "CCTV"
        text = text[0].lower() + text[1:]
    return f"{opener}{text}{slots.get('closer', '')}"


def _evening_hour(rng: random.Random) -> int:
    return rng.choices(range(24), [1, 1, 1, 1, 1, 2, 3, 4, 4, 3, 3, 3, 4, 3, 3, 3, 3, 4, 5, 7, 8, 8, 6, 3])[0]  # fmt: skip


def _privacy(rng: random.Random, template: Template) -> str:
    weights = [20, 45, 35] if template.sensitive else [72, 18, 10]
    return rng.choices([Privacy.PUBLIC, Privacy.CONFIDENTIAL, Privacy.ANONYMOUS], weights)[0]


class Contact(TypedDict, total=False):
    reporter_name: str
    reporter_phone: str
    reporter_email: str
    notify_by: str


def _contact(rng: random.Random, privacy: str, key: int, *, desk: bool) -> Contact:
    """A fictitious reporter: name, numbers in a range of the demo accounts, and
    addresses at example.com."""
    if privacy == Privacy.ANONYMOUS:
        return {}
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    contact: Contact = {"reporter_name": f"{first} {last}" if desk or rng.random() < 0.85 else ""}
    if desk or rng.random() < 0.7:
        contact["reporter_phone"] = f"08130002{key:04d}"
    if rng.random() < 0.2:
        contact["reporter_email"] = f"{first}.{last}{key}@example.com".lower()
    # About half of those who leave a contact ask to be kept informed.
    channels = {NotifyChannel.NONE: 4}
    if "reporter_phone" in contact:
        channels |= {NotifyChannel.WHATSAPP: 2, NotifyChannel.SMS: 1}
    if "reporter_email" in contact:
        channels[NotifyChannel.EMAIL] = 2
    contact["notify_by"] = rng.choices(list(channels), list(channels.values()))[0]
    return contact


def _status(rng: random.Random, template: Template, days: float) -> str:
    if template.kind == "spam":
        return Status.RECEIVED if days < 0.5 else Status.REJECTED
    if template.kind == "remit":
        return Status.VERIFIED if days < 2 else Status.CLOSED_UNRESOLVED
    weights = next(w for limit, w in STATUS_BY_AGE if days < limit)
    status = rng.choices(STATUS_ORDER, weights)[0]
    if status == Status.REFERRED and not template.partner:
        status = Status.IN_PROGRESS  # nobody outside the police to refer it to
    return status


def _duplicate_spec(rng: random.Random, key: int, specs: list[CaseSpec]) -> CaseSpec | None:
    """The same matter reported again by someone else a little later."""
    originals = [
        s
        for s in specs
        if s.duplicate_of is None
        and s.status in (Status.VERIFIED, Status.REFERRED, Status.IN_PROGRESS, Status.RESOLVED)
        and s.minutes_before > 2 * 1440
    ]
    if not originals:
        return None
    original = rng.choice(originals)
    later = rng.randint(3, 72) * 60
    privacy = _privacy(rng, TEMPLATES[original.template])
    return CaseSpec(
        key=key,
        template=original.template,
        village=original.village,
        rw=original.rw,
        rt=original.rt,
        slots={**original.slots, **_framing(rng, TEMPLATES[original.template].register)},
        privacy=privacy,
        source=Source.WEB,
        minutes_before=max(original.minutes_before - later, 600),
        status=Status.DUPLICATE,
        point=original.point,
        duplicate_of=original.key,
        **_contact(rng, privacy, key, desk=False),
    )


# --- Building cases through the services, with demo-only back-dating ------------------


# What a service call stamps with the current time; ``_backdate`` moves them.
STAMPED = (
    "received_at",
    "updated_at",
    "verified_at",
    "referred_at",
    "first_notice_at",
    "resolved_at",
    "closed_at",
    "triage_confirmed_at",
)
# What the builder keeps up to date on its copy of the case to decide the next step.
TRACKED = ("status", "category", "urgency", "assigned_unit_id", "number")


@dataclass
class _Case:
    """A case being built: the moments its deadlines count from, and the steps whose
    times still have to be moved (``_backdate``)."""

    aspiration: Aspiration
    zone: ZoneInfo
    received: datetime
    clock_start: datetime  # received, or the last reopening: resolve_by counts from it
    referred: datetime | None = None
    last: datetime | None = None  # the moment of the latest step
    # (when the service ran, when the step is meant to have happened), oldest first
    pending: list[tuple[datetime, datetime]] = field(default_factory=list)
    corrections: bool = False  # the running step writes a triage correction
    surveys: bool = False  # the pending steps schedule or answer a questionnaire

    @property
    def anonymous(self) -> bool:
        return self.aspiration.privacy == Privacy.ANONYMOUS


class _Builder:
    def __init__(self, *, units: dict[str, Unit]) -> None:
        self.now = timezone.now()
        today = self.now.astimezone(WIB).date()
        self.day_end = datetime.combine(today + timedelta(days=1), time.min, tzinfo=WIB)
        self.units = units
        self.units_by_id = {u.pk: u for u in Unit.objects.all()}
        # Loaded after the units exist: a user's scope is computed once per object.
        self.users = {u.username: u for u in User.objects.all()}
        self.sla: dict[int, tuple[sla.SlaPolicy, sla.HolidayCalendar]] = {}
        self.built: dict[int, Aspiration] = {}

    # -- the steps: one service call each, remembered for back-dating

    def submit(self, moment: datetime, **fields: Any) -> _Case:
        wall = timezone.now()
        asp = aspiration_submit(language="id", **fields).aspiration
        case = _Case(
            aspiration=asp,
            zone=ZoneInfo(resolve_zone(asp.area).value),
            received=moment,
            clock_start=moment,
        )
        self._done(case, wall, moment)
        return case

    def act(self, case: _Case, moment: datetime, actor: User, action: Action, **kw: Any) -> None:
        if action == Action.REOPEN:
            case.clock_start = moment  # the services count resolve_by from the reopening
        if action == Action.REFER:
            case.referred = moment
        case.surveys |= action == Action.RESOLVE
        wall = timezone.now()
        done = aspiration_act(actor=actor, aspiration=case.aspiration, action=action, **kw)
        self._done(case, wall, moment, done)

    def note(self, case: _Case, moment: datetime, actor: User, text: str, public: bool) -> None:
        wall = timezone.now()
        aspiration_note_add(actor=actor, aspiration=case.aspiration, text=text, is_public=public)
        self._done(case, wall, moment)

    def assign(self, case: _Case, moment: datetime, actor: User, assignee: User) -> None:
        wall = timezone.now()
        done = aspiration_assign(actor=actor, aspiration=case.aspiration, assignee=assignee)
        self._done(case, wall, moment, done)

    def triage(
        self,
        case: _Case,
        moment: datetime,
        actor: User,
        category: str,
        urgency: str,
        *,
        reroute: bool = True,
    ) -> None:
        case.corrections = True
        wall = timezone.now()
        done = aspiration_triage_confirm(
            actor=actor,
            aspiration=case.aspiration,
            category=category,
            urgency=urgency,
            reroute=reroute,
        )
        self._done(case, wall, moment, done)

    def survey(
        self,
        case: _Case,
        moment: datetime,
        *,
        fixed: bool,
        rng: random.Random,
        comment: str | None = None,
    ) -> None:
        if comment is None:
            comment = rng.choice(SURVEY_FIXED if fixed else SURVEY_NOT_FIXED)
        low, high = (3, 5) if fixed else (1, 2)
        if not fixed:
            case.clock_start = moment  # "not fixed" reopens the case
        self._backdate(case)  # the questionnaire is answerable once it is due
        case.surveys = True
        wall = timezone.now()
        survey_answer(
            aspiration=case.aspiration,
            fixed=fixed,
            satisfaction=rng.randint(low, high),
            safety=rng.randint(low, high),
            comment=comment,
        )
        row = Aspiration.objects.filter(pk=case.aspiration.pk).values(*TRACKED).get()
        for name, value in row.items():
            setattr(case.aspiration, name, value)
        self._done(case, wall, moment)

    def _done(
        self, case: _Case, wall: datetime, moment: datetime, done: Aspiration | None = None
    ) -> None:
        """Demo only: the step whose service call began at ``wall`` is meant to have
        happened at ``moment`` (its local day for anonymous cases, as the services
        coarsen them). Its history entries, triage correction and outbox messages are
        the rows stamped since ``wall`` (the builder makes one call at a time): they
        are moved now. The case's own times are moved by ``_backdate``, once for the
        whole case. ``done`` is the case as the service returned it."""
        if done is not None:
            for name in TRACKED:
                setattr(case.aspiration, name, getattr(done, name))
        stamp = _day_start(moment, case.zone) if case.anonymous else moment
        AspirationUpdate.objects.filter(
            aspiration_id=case.aspiration.pk, created_at__gte=self._coarse(case, wall)
        ).update(created_at=stamp)
        if case.corrections:
            TriageCorrection.objects.filter(
                aspiration_id=case.aspiration.pk, created_at__gte=wall
            ).update(created_at=stamp)
            case.corrections = False
        # The notices of the step (to the reporter, to those of merged cases, to the
        # duty desk, to handlers) went out when it happened.
        OutboxMessage.objects.filter(created_at__gte=wall).update(
            created_at=stamp, sent_at=stamp, next_attempt_at=stamp, status=OutboxStatus.SENT
        )
        case.pending.append((wall, moment))
        case.last = moment
        if case.anonymous:  # its times cannot be told apart by the hour later on
            self._backdate(case)

    def _backdate(self, case: _Case) -> None:
        """Demo only: move the times the pending steps stamped on the case and its
        questionnaires to the moments of those steps, and recompute the deadlines
        from the planned moments as the services compute them. A time stamped at or
        after a step's call began, and before the next one's, is that step's."""
        if not case.pending:
            return
        timeline, case.pending = case.pending, []
        zone = case.zone

        def moved(value: datetime) -> datetime:
            moment = next(m for wall, m in reversed(timeline) if value >= self._coarse(case, wall))
            return _day_start(moment, zone) if case.anonymous else moment

        since = self._coarse(case, timeline[0][0])
        cases = Aspiration.objects.filter(pk=case.aspiration.pk)
        row = cases.values(*STAMPED, "urgency", "partner_answer_by").get()
        changes: dict[str, Any] = {
            name: moved(row[name])
            for name in STAMPED
            if row[name] is not None and row[name] >= since
        }
        cases.update(**changes, **self._deadlines(case, row))
        if not case.surveys:
            return
        case.surveys = False
        after = timedelta(days=SURVEY_AFTER_DAYS)
        for survey in Survey.objects.filter(aspiration_id=case.aspiration.pk):
            fields: dict[str, Any] = {}
            if survey.due_at >= since + after:
                # Scheduled by a pending resolution, 28 days after it.
                fields["due_at"] = survey.due_at = moved(survey.due_at - after) + after
            if survey.answered_at is not None and survey.answered_at >= since:
                # Asked on the day it fell due (surveys_send_due), answered later.
                fields["answered_at"] = moved(survey.answered_at)
                fields["sent_at"] = (
                    _day_start(survey.due_at, zone) if case.anonymous else survey.due_at
                )
            if fields:
                Survey.objects.filter(pk=survey.pk).update(**fields)

    def _coarse(self, case: _Case, wall: datetime) -> datetime:
        """The earliest time a call that began at ``wall`` may have stamped on the case."""
        return _day_start(wall, case.zone) if case.anonymous else wall

    def _deadlines(self, case: _Case, row: Mapping[str, Any]) -> dict[str, datetime]:
        """The deadlines as the services set them (``services.case_deadlines``), from
        the planned moments, with the unit's policy and calendar read once."""
        policy, calendar = self._sla(case.aspiration.unit_id)
        zone = case.zone

        def counted(start: datetime) -> sla.Deadlines:
            # Anonymous cases count from the start of the day: they keep no time.
            start = _day_start(start, zone) if case.anonymous else start
            return sla.deadlines(
                policy=policy,
                received_at=start,
                urgency=row["urgency"],
                zone=zone,
                calendar=calendar,
            )

        received = counted(case.received)
        due = {
            "verify_by": received.verify_by,
            "first_notice_by": received.first_notice_by,
            "resolve_by": counted(case.clock_start).resolve_by,
        }
        if row["partner_answer_by"] is not None and case.referred is not None:
            referred = _day_start(case.referred, zone) if case.anonymous else case.referred
            due["partner_answer_by"] = sla.partner_answer_by(
                policy=policy, referred_at=referred, zone=zone, calendar=calendar
            )
        return due

    def _sla(self, unit_id: int) -> tuple[sla.SlaPolicy, sla.HolidayCalendar]:
        if unit_id not in self.sla:
            self.sla[unit_id] = sla_context(self.units_by_id[unit_id])
        return self.sla[unit_id]

    # -- who does what

    def officer(self, case: Aspiration) -> User:
        """Who works the case: the demo user of the unit handling it, the
        Bhabinkamtibmas for the Polsek's posts and for what Bekasi Selatan refers to
        agencies, else the Kapolres, standing in for Polres units without a demo user."""
        unit = self.units_by_id[case.assigned_unit_id]
        in_selatan = case.area.code.startswith(SELATAN)
        if unit.path.startswith(self.units[SATRESKRIM].path):
            return self.users["reskrim"]
        if unit.pk == self.units[KELURAHAN].pk:
            return self.users["kelurahan"]
        if unit.path.startswith(self.units[POLSEK].path):
            return self.users["bhabin"]
        if not unit.is_police and in_selatan:
            return self.users["bhabin"]
        return self.users["kapolres"]

    def verifier(self, case: Aspiration) -> User:
        """The Polsek's desk officer checks what comes in for its posts and itself."""
        unit = self.units_by_id[case.assigned_unit_id]
        if unit.path.startswith(self.units[POLSEK].path):
            return self.users["spkt"]
        return self.officer(case)

    def assignee(self, case: Aspiration) -> User | None:
        officer = self.officer(case)
        if officer.username != "kapolres" and officer.unit_id == case.assigned_unit_id:
            return officer
        return None

    # -- the reference dialogue

    def reference_load(self, dialogue: Dialogue) -> None:
        """The aspirations of 31 July 2025, raised between 10.10 and 12.00 WIB,
        recorded on the spot by the Bhabinkamtibmas with the Kapolres' answers."""
        bhabin, kapolres = self.users["bhabin"], self.users["kapolres"]
        cases = {}
        for ref in REFERENCE_CASES:
            cases[ref.key] = self.submit(
                ref.raised_at,
                text=ref.text,
                area=None,
                privacy=ref.privacy,
                source=Source.DIALOGUE,
                actor=bhabin,
                dialogue=dialogue,
                spot_answer=ref.spot_answer,
                reporter_name=ref.reporter_name,
                reporter_phone=ref.reporter_phone,
                notify_by=ref.notify_by,
                latitude=REFERENCE_POINT[0],
                longitude=REFERENCE_POINT[1],
            )
        # Demo only: the receipt code ``kamtibmas demo`` prints follows this case.
        lost = cases["dokumen"]
        Aspiration.objects.filter(pk=lost.aspiration.pk).update(receipt_digest=_demo_digest())
        # Answered on the spot: the resident was put in touch with the officer in charge.
        # C3: when loss reports land, link this case to the loss report and certificate
        # made at the post (§8) instead of leaving it at the note below.
        self.triage(lost, _wib(10, 57), bhabin, C.LAYANAN, U.RENDAH, reroute=False)
        self.act(lost, _wib(10, 58), bhabin, Action.VERIFY)
        self.note(
            lost,
            _wib(10, 59),
            bhabin,
            "Warga dihubungkan dengan petugas Pos Polisi Kayuringin Jaya untuk membuat "
            "laporan kehilangan; nomor telepon sudah saling dicatat.",
            public=False,
        )
        self.act(
            lost,
            _wib(11, 0),
            bhabin,
            Action.RESOLVE,
            text="Dijawab di tempat: laporan kehilangan dibuat di pos polisi terdekat tanpa "
            "biaya. Warga sudah bertukar nomor dengan petugas yang akan membantu.",
        )
        self.survey(
            lost,
            datetime(2025, 8, 29, 19, 30, tzinfo=WIB),
            fixed=True,
            rng=random.Random(SEED),
            comment="Surat keterangan hilang sudah saya terima di pos polisi, gratis. "
            "Terima kasih.",
        )
        # The RW is "rawan": patrols added at once.
        rawan = cases["rawan"]
        self.triage(rawan, _wib(11, 35), bhabin, C.KEAMANAN, U.TINGGI, reroute=False)
        self.act(rawan, _wib(11, 36), bhabin, Action.VERIFY, text=TEMPLATE_VERIFIED)
        self.assign(rawan, _wib(11, 37), bhabin, bhabin)
        self.act(
            rawan,
            _wib(11, 38),
            bhabin,
            Action.START,
            text="Kapolres memerintahkan patroli tambahan di permukiman padat RW 024.",
        )
        self.note(
            rawan,
            _wib(11, 50),
            bhabin,
            "Patroli malam Unit Samapta Polsek Bekasi Selatan di gang-gang RW 024 ditambah "
            "mulai malam ini (pukul 22.00–02.00); Bhabinkamtibmas ikut mengaktifkan ronda "
            "warga.",
            public=True,
        )
        # Economy and jobs: not a police matter, referred to the kelurahan.
        ekonomi = cases["ekonomi"]
        self.triage(ekonomi, _wib(11, 40), bhabin, C.SOSIAL, U.SEDANG, reroute=False)
        self.act(ekonomi, _wib(11, 41), bhabin, Action.VERIFY)
        self.act(
            ekonomi,
            _wib(11, 45),
            bhabin,
            Action.REFER,
            unit=self.units[KELURAHAN],
            text="Diteruskan ke Kelurahan Kayuringin Jaya untuk program pelatihan kerja dan "
            "padat karya, sebagaimana disampaikan Kapolres.",
        )
        # Children out at night: agreed, to be done with the RW.
        jam = cases["jam_belajar"]
        self.act(jam, _wib(11, 46), bhabin, Action.VERIFY, text=TEMPLATE_VERIFIED)
        self.note(
            jam,
            _wib(11, 48),
            bhabin,
            "Bhabinkamtibmas akan menyusun jadwal jam belajar malam (19.00–21.00) bersama "
            "pengurus RW 024 dan ibu-ibu PKK.",
            public=True,
        )
        # Drugs: the officer confirms (or corrects) triage, and the Kapolres hands it
        # to Satresnarkoba on the spot, kept confidential. A referral rather than a
        # re-route, so the hand-over is in the history.
        narkoba = cases["narkoba"]
        self.triage(narkoba, _wib(11, 52), bhabin, C.NARKOBA, U.TINGGI, reroute=False)
        self.act(narkoba, _wib(11, 53), bhabin, Action.VERIFY, is_public=False)
        self.act(
            narkoba,
            _wib(11, 55),
            kapolres,
            Action.REFER,
            unit=self.units["Satresnarkoba Polres Metro Bekasi Kota"],
            is_public=False,
            text="Diserahkan kepada Satresnarkoba untuk penyelidikan; identitas pelapor "
            "dirahasiakan.",
        )
        for case in cases.values():
            self._backdate(case)

    # -- the aspirations of the other dialogues

    def dialogues_load(self, reference: Dialogue) -> None:
        """What residents asked at the other held dialogues (the engagements demo's
        answers on the spot), as aspirations recorded there by the organiser."""
        held = (
            Dialogue.objects.filter(status=DialogueStatus.HELD, answers__isnull=False)
            .exclude(pk=reference.pk)
            .select_related("host", "area")
            .distinct()
            .order_by("planned_start", "pk")
        )
        for dialogue in held:
            rng = random.Random(f"{SEED}:{dialogue.title}:{dialogue.planned_start.date()}")
            for offset, answer in enumerate(dialogue.answers.order_by("pk")):
                moment = dialogue.start + timedelta(minutes=30 + 15 * offset)
                if moment > self.now - MARGIN:
                    continue
                host = dialogue.host or self.users["kapolres"]
                case = self.submit(
                    moment,
                    text=answer.question,
                    area=None,
                    privacy=Privacy.PUBLIC,
                    source=Source.DIALOGUE,
                    actor=host,
                    dialogue=dialogue,
                    spot_answer=answer.answer,
                )
                age = (self.now - moment).days
                weights = next(w for limit, w in STATUS_BY_AGE if age < limit)
                status = rng.choices(STATUS_ORDER, weights)[0]
                if status == Status.REFERRED:
                    status = Status.IN_PROGRESS
                self.flow(case, status, rng, partner="")
                self._backdate(case)

    # -- the generated cases

    def generated_load(self) -> None:
        villages = sorted(
            Area.objects.filter(
                level=AreaLevel.VILLAGE, code__startswith=f"{KOTA_BEKASI}."
            ).values_list("code", flat=True)
        )
        areas = {a.code: a for a in Area.objects.filter(code__in=villages)}
        warga = self.users["warga"]
        for spec in case_specs(villages):
            rng = random.Random(f"{SEED}:{spec.key}")
            template = TEMPLATES[spec.template]
            village = areas[spec.village]
            area = area_rw_get_or_create(village=village, number=spec.rw)
            if spec.rt is not None:
                area = area_rt_get_or_create(rw=area, number=spec.rt)
            text = render(template, spec.slots, village.name)
            moment = self.day_end - timedelta(minutes=spec.minutes_before)
            while moment > self.now - MARGIN:  # later today: the same time a day earlier
                moment -= timedelta(days=1)
            account = spec.resident_account
            case = self.submit(
                moment,
                text=text,
                area=area,
                privacy=spec.privacy,
                source=spec.source,
                actor=self.users["spkt"] if spec.source == Source.DESK else None,
                reporter=warga if account else None,
                reporter_name="" if account else spec.reporter_name,
                reporter_phone=str(warga.phone or "") if account else spec.reporter_phone,
                reporter_email="" if account else spec.reporter_email,
                notify_by=NotifyChannel.SMS if account else spec.notify_by,
                latitude=spec.point[0] if spec.point else None,
                longitude=spec.point[1] if spec.point else None,
            )
            self.built[spec.key] = case.aspiration
            if spec.status == Status.DUPLICATE and spec.duplicate_of is not None:
                self.duplicate(case, self.built[spec.duplicate_of], rng)
            else:
                self.flow(
                    case,
                    spec.status,
                    rng,
                    partner=template.partner,
                    template=template,
                )
            self._backdate(case)

    def duplicate(self, case: _Case, original: Aspiration, rng: random.Random) -> None:
        officer = self.verifier(case.aspiration)
        if not visible_to(Aspiration.objects.filter(pk=original.pk), officer).exists():
            officer = self.users["kapolres"]
        moment = self._at(case, case.received + timedelta(hours=rng.uniform(1, 20)))
        self.act(
            case,
            moment,
            officer,
            Action.MARK_DUPLICATE,
            duplicate_of=original,
            text=f"Laporan yang sama sudah kami tangani sebagai {original.number}.",
        )

    def flow(
        self,
        case: _Case,
        status: str,
        rng: random.Random,
        *,
        partner: str,
        template: Template | None = None,
    ) -> None:
        """Take ``case`` to ``status`` the way handlers do, at plausible times that
        all lie in the past."""
        if status == Status.RECEIVED:
            return
        spam = template is not None and template.kind == "spam"
        remit = template is not None and template.kind == "remit"
        asp = case.aspiration
        darurat = asp.urgency == U.DARURAT and (template is None or template.urgency == U.DARURAT)
        if spam:
            moment = self._at(case, case.received + timedelta(hours=rng.uniform(0.5, 30)))
            self.act(case, moment, self.verifier(asp), Action.REJECT, text=TEMPLATE_REJECTED)
            return
        # Verification: fast for emergencies, usually within a day, sometimes late.
        hours = rng.choices([(0.5, 24), (24, 72), (72, 200)], [70, 22, 8])[0]
        delay = (
            timedelta(minutes=rng.uniform(3, 15))
            if darurat
            else timedelta(hours=rng.uniform(*hours))
        )
        moment = self._at(case, case.received + delay)
        verifier = self.verifier(asp)
        if template is not None and self._reviews_triage(asp, template, rng):
            self.triage(case, moment, verifier, template.category, template.urgency)
            verifier = self.verifier(case.aspiration)
        self.act(
            case,
            moment,
            verifier,
            Action.VERIFY,
            text=TEMPLATE_VERIFIED if rng.random() < 0.5 else "",
        )
        if status == Status.VERIFIED:
            return
        category = case.aspiration.category
        if remit:
            moment = self._at(case, moment + timedelta(hours=rng.uniform(2, 72)))
            self.act(
                case,
                moment,
                self.officer(case.aspiration),
                Action.CLOSE_UNRESOLVED,
                text=TEMPLATE_OUT_OF_REMIT,
            )
            self._maybe_reopen_closed(case, moment, rng)
            return
        referred_to = None
        if status == Status.REFERRED or (
            partner and status != Status.IN_PROGRESS and rng.random() < 0.5
        ):
            referred_to = self._partner(case.aspiration, partner)
            if referred_to is not None:
                moment = self._at(case, moment + timedelta(hours=rng.uniform(1, 48)))
                self.act(
                    case,
                    moment,
                    self.officer(case.aspiration),
                    Action.REFER,
                    unit=referred_to,
                    text=f"Diteruskan kepada {referred_to.name}, yang berwenang menangani "
                    "masalah ini. Kami tetap memantau tindak lanjutnya dan akan mengabari Anda.",
                )
                if status == Status.REFERRED:
                    return
            elif status == Status.REFERRED:
                status = Status.IN_PROGRESS  # already with the partner: it works on it
        officer = self.officer(case.aspiration)
        days = {U.DARURAT: 0.2, U.TINGGI: 6, U.SEDANG: 12, U.RENDAH: 20}[
            Urgency(case.aspiration.urgency)
        ]
        if referred_to is not None and referred_to.kind == UnitKind.AGENCY:
            # City agencies have no demo account: the referring officer records their
            # answer, straight from "referred".
            moment = self._at(case, moment + timedelta(days=rng.uniform(0.5, 2.5) * days))
        else:
            start = self._at(
                case,
                moment
                + (timedelta(minutes=10) if darurat else timedelta(hours=rng.uniform(1, 72))),
            )
            assignee = self.assignee(case.aspiration)
            if assignee is not None and rng.random() < 0.6:
                self.assign(case, start, officer, assignee)
            self.act(case, start, officer, Action.START, text="")
            if not darurat and (status == Status.IN_PROGRESS or rng.random() < 0.4):
                moment = self._at(case, start + timedelta(hours=rng.uniform(12, 120)))
                note = rng.choice(PROGRESS[Category(category)])
                self.note(case, moment, officer, note, public=rng.random() < 0.8)
            if status == Status.IN_PROGRESS:
                return
            moment = self._at(case, start + timedelta(days=rng.uniform(0.1, 2) * days))
        if darurat:
            resolution = EMERGENCY_RESOLUTION.get(Category(category), EMERGENCY_HANDLED)
            self.act(case, moment, officer, Action.RESOLVE, text=resolution)
            self._follow_up(case, moment, rng)
            return
        if status == Status.CLOSED_UNRESOLVED:
            text = CLOSING[Category(category)]
            self.act(case, moment, officer, Action.CLOSE_UNRESOLVED, text=text)
            self._maybe_reopen_closed(case, moment, rng)
            return
        resolution = rng.choice(RESOLUTION[Category(category)])
        self.act(case, moment, officer, Action.RESOLVE, text=resolution)
        self._follow_up(case, moment, rng)

    @staticmethod
    def _reviews_triage(asp: Aspiration, template: Template, rng: random.Random) -> bool:
        """Whether the verifying officer records a triage decision: always when the
        category or an emergency is wrong, often when only the urgency is off, and
        now and then to confirm a right suggestion."""
        if asp.category != template.category or U.DARURAT in (asp.urgency, template.urgency):
            return asp.category != template.category or asp.urgency != template.urgency
        if asp.urgency != template.urgency:
            return rng.random() < 0.4
        return rng.random() < 0.15

    def _follow_up(self, case: _Case, resolved: datetime, rng: random.Random) -> None:
        """28 days after the resolution the reporter is asked; "not fixed" reopens."""
        answered = resolved + timedelta(days=SURVEY_AFTER_DAYS, hours=rng.uniform(2, 140))
        if answered > self.now - MARGIN:
            return
        outcome = rng.random()
        if outcome >= 0.72:
            return  # not answered (yet): the questionnaire stays due
        fixed = outcome < 0.58
        self.survey(case, answered, fixed=fixed, rng=rng)
        if fixed:
            return
        # Reopened: most are taken up again, some wait.
        moment = answered + timedelta(hours=rng.uniform(4, 72))
        if rng.random() < 0.4 or moment > self.now - MARGIN:
            return
        verifier = self.verifier(case.aspiration)
        self.act(
            case, moment, verifier, Action.VERIFY, text="Laporan dibuka kembali dan dicek ulang."
        )
        moment += timedelta(hours=rng.uniform(2, 48))
        if moment > self.now - MARGIN:
            return
        officer = self.officer(case.aspiration)
        self.act(case, moment, officer, Action.START, text="")
        moment += timedelta(days=rng.uniform(2, 10))
        if moment > self.now - MARGIN or rng.random() < 0.5:
            return
        category = Category(case.aspiration.category)
        self.act(case, moment, officer, Action.RESOLVE, text=rng.choice(RESOLUTION[category]))

    def _maybe_reopen_closed(self, case: _Case, closed: datetime, rng: random.Random) -> None:
        """Now and then a closing decision is taken back when the reporter brings more."""
        moment = closed + timedelta(days=rng.uniform(2, 10))
        if rng.random() >= 0.1 or moment > self.now - MARGIN:
            return
        self.act(
            case,
            moment,
            self.users["kapolres"],
            Action.REOPEN,
            text="Penutupan ditinjau ulang: pelapor menyampaikan keterangan dan bukti baru.",
        )

    def _partner(self, case: Aspiration, partner: str) -> Unit | None:
        """The kelurahan office where there is one, else the city agency."""
        if partner == "kelurahan" or (
            partner in ("bmsda", "dinsos") and case.area.code.startswith(KAYURINGIN)
        ):
            if case.area.code.startswith(KAYURINGIN):
                target = self.units[KELURAHAN]
                return None if target.pk == case.assigned_unit_id else target
            partner = "bmsda" if case.category == C.LINGKUNGAN else "dinsos"
        name = AGENCIES.get(partner)
        if name is None:
            return None
        target = self.units[name]
        return None if target.pk == case.assigned_unit_id else target

    def _at(self, case: _Case, moment: datetime) -> datetime:
        """``moment``, or, when it would lie in the future, halfway between the case's
        latest step and now: a recent case moves through its steps faster."""
        latest = case.last or case.received
        limit = self.now - MARGIN
        if moment > limit:
            moment = latest + (limit - latest) / 2
        return max(moment, latest)


def _day_start(moment: datetime, zone: ZoneInfo) -> datetime:
    return datetime.combine(moment.astimezone(zone).date(), time.min, tzinfo=zone).astimezone(UTC)
