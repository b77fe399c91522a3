"""The maintained lists a fresh installation starts with (administrators extend them).

Codes are stable identifiers used by the API and reports; names are shown in the
user's language.
"""

from __future__ import annotations

DIALOGUE_TYPES = [
    # code, Indonesian, English, announced publicly by default
    ("ngopi_kamtibmas", "Ngopi Kamtibmas", "Ngopi Kamtibmas (coffee dialogue)", True),
    ("jumat_curhat", "Jumat Curhat", "Jumat Curhat (Friday listening session)", True),
    ("minggu_kasih", "Minggu Kasih", "Minggu Kasih (Sunday community visit)", True),
    ("sambang", "Sambang / kunjungan rumah", "Home visit (sambang)", False),
    ("kunjungan_sekolah", "Kunjungan sekolah", "School visit", True),
    ("lainnya", "Lainnya", "Other", True),
]

OUTREACH_TOPICS = [
    ("pengawasan_anak", "Pengawasan orang tua terhadap anak", "Family supervision of children"),
    ("jam_belajar_malam", "Jam belajar malam", "Night study hours (jam belajar malam)"),
    ("narkoba", "Bahaya penyalahgunaan narkoba", "Dangers of drug abuse"),
    ("tawuran", "Pencegahan tawuran", "Preventing street brawls (tawuran)"),
    ("penipuan_daring", "Penipuan daring dan pinjol ilegal", "Online fraud and illegal loans"),
    ("keselamatan_lalu_lintas", "Keselamatan berlalu lintas", "Traffic safety"),
    ("judi_online", "Bahaya judi online", "Dangers of online gambling"),
    ("siskamling", "Siskamling dan keamanan lingkungan", "Neighbourhood watch (siskamling)"),
    ("kekerasan_dalam_rumah_tangga", "Pencegahan KDRT dan kekerasan terhadap anak",
     "Preventing domestic violence and child abuse"),
    ("bullying", "Perundungan (bullying)", "Bullying"),
    ("layanan_polri", "Layanan kepolisian (SKCK, laporan kehilangan, 110)",
     "Police services (SKCK, loss reports, 110)"),
]  # fmt: skip

INSPECTION_ITEMS = [
    ("penerangan_jalan", "Penerangan jalan", "Street lighting"),
    ("cctv", "CCTV", "CCTV"),
    ("portal", "Gerbang / portal lingkungan", "Gate / portal"),
    ("pos_siskamling", "Pos siskamling aktif", "Active siskamling post"),
    ("bahaya_kebakaran", "Bahaya kebakaran", "Fire hazards"),
    ("instalasi_listrik", "Instalasi listrik (kabel semrawut, sambungan liar)",
     "Electrical installations (tangled wires, illegal connections)"),
    ("akses_darurat", "Akses ambulans dan mobil pemadam", "Access for ambulance and fire engine"),
    ("drainase", "Saluran air / drainase", "Drainage"),
    ("sampah", "Pengelolaan sampah", "Waste"),
    ("tempat_berkumpul", "Tempat berkumpul rawan (nongkrong malam, miras)",
     "Risky gathering places (late-night loitering, alcohol)"),
    ("ruang_bermain_anak", "Ruang bermain anak yang aman", "Safe play space for children"),
]  # fmt: skip


def catalogue_install(apps: object) -> None:
    """Create the entries that are missing; never overwrite what administrators changed.

    ``apps`` is the app registry (a migration's historical one, or ``django.apps.apps``).
    """
    dialogue_type = apps.get_model("engagements", "DialogueType")  # type: ignore[attr-defined]
    topic = apps.get_model("engagements", "OutreachTopic")  # type: ignore[attr-defined]
    item = apps.get_model("engagements", "InspectionItem")  # type: ignore[attr-defined]
    for position, (code, name_id, name_en, public) in enumerate(DIALOGUE_TYPES):
        dialogue_type.objects.get_or_create(
            code=code,
            defaults={
                "name_id": name_id,
                "name_en": name_en,
                "position": position * 10,
                "is_public_by_default": public,
            },
        )
    for model, entries in ((topic, OUTREACH_TOPICS), (item, INSPECTION_ITEMS)):
        for position, (code, name_id, name_en) in enumerate(entries):
            model.objects.get_or_create(
                code=code,
                defaults={"name_id": name_id, "name_en": name_en, "position": position * 10},
            )
