"""Topic cues: words and phrases that point at a §5 category, written for this project.

The corpus is small, and many words that decide a category appear in it once or
twice, or in a spelling it lacks ("nyabu" for "sabu", "ciu" for "miras", "dicongkel"
for a break-in). Each cue below adds a feature ``t:<topic>`` to a text that holds it,
so what the model learns from "sabu" also applies to "nyabu", "ekstasi" and "pil
koplo". The model still weighs the cue against everything else in the text (a cue
is evidence, not a rule): thanks for a drug raid and a question about SKCK after a
drug case are decided by the whole text.

Entries are normalised words (``features.model_words``: lower case, slang spelled
out, no punctuation) or their stems, or phrases of two or three such words. Sources:
the labelling guide's category descriptions, police and local-government vocabulary,
and the slang of the registers in the guide (§4), not the held-out texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

TOPICS: dict[str, tuple[str, ...]] = {
    "narkoba": (
        "narkoba", "narkotika", "napza", "sabu", "nyabu", "sabusabu", "ekstasi", "ekstasy",
        "inex", "ganja", "nyimeng", "cimeng", "gele", "tembakau sintetis", "sinte",
        "gorila", "putau", "heroin", "kokain", "tramadol", "dextro", "eksimer", "hexymer",
        "pil koplo", "koplo", "obat batuk", "obat keras", "bandar", "pengedar",
        "nyuntik", "jarum suntik", "bong", "cangklong", "kertas timah", "teler", "sakau",
        "ngelem", "lem aibon", "rehab", "rehabilitasi", "bnn", "tes urine",
        "satresnarkoba", "nyabu", "paket kecil", "sachet",
    ),
    "pencurian": (
        "todong", "ditodong", "nodong", "robbery", "dibawa kabur", "bawa kabur", "dipepet",
        "pepet", "satroni", "disatroni", "ngutil", "hipnotis", "pembobolan", "buka paksa",
        "coba buka", "mencoba membuka", "pintu mobil", "pecah kaca mobil",
        "curi", "maling", "nyolong", "colong", "dicolong", "dimaling", "curanmor",
        "curas", "curat", "begal", "dibegal", "jambret", "dijambret", "copet", "dicopet",
        "nyopet", "rampok", "dirampok", "perampokan", "congkel", "dicongkel", "bobol",
        "dibobol", "membobol", "dijebol", "gasak", "digasak", "raib", "hilang dicuri",
        "kunci leter t", "pecah kaca", "gendam", "kehilangan motor",
        "motor hilang", "mobil hilang", "helm hilang", "ranmor", "penadah", "bongkar rumah",
        "membongkar", "dibuka paksa", "kabel tembaga",
    ),
    "kekerasan": (
        "pukul", "dipukul", "dipukuli", "gebuk", "digebukin", "keroyok", "dikeroyok",
        "tawuran", "tawur", "bacok", "dibacok", "tusuk", "ditusuk", "celurit", "clurit",
        "sajam", "senjata tajam", "golok", "parang", "pisau", "samurai", "aniaya",
        "penganiayaan", "dianiaya", "kdrt", "ditampar", "tampar", "tendang", "ditendang",
        "lecehkan", "dilecehkan", "pelecehan", "cabul", "dicabuli", "perkosa", "pemerkosaan",
        "kekerasan", "bully", "dibully", "perundungan", "main hakim", "dihakimi",
        "persekusi", "ancam bunuh", "berdarah", "lebam", "memar",
        "ppa", "perempuan dan anak", "siram air keras", "penculikan", "diculik",
    ),
    "penipuan": (
        "tipu", "penipu", "penipuan", "ditipu", "nipu", "scam", "scammer", "pinjol",
        "pinjaman online", "investasi bodong", "bodong", "arisan online", "robot trading",
        "trading", "otp", "kode otp", "apk", "undangan apk", "kurir apk",
        "phishing", "hack", "dihack", "diretas", "bajak", "dibajak", "akun palsu",
        "mengatasnamakan", "catut", "mencatut", "m banking",
        "mbanking", "e wallet", "ovo", "gopay", "cod", "olshop",
        "online shop", "barang tidak dikirim", "debt collector",
        "sebar data", "data pribadi", "giveaway", "undian",
        "lowongan palsu", "loker palsu", "siber", "cyber", "penggandaan uang", "dukun",
        "mama minta pulsa", "love scam", "qris",
    ),
    "ketertiban": (
        "judi", "judol", "slot", "togel", "sabung ayam", "dadu", "gaple",
        "kasino", "miras", "ciu", "tuak", "arak", "oplosan", "anggur merah",
        "ginseng", "mabuk", "mabukmabukan", "mendem", "minumminum", "minuman keras",
        "prostitusi", "psk", "esek esek", "open bo", "lokalisasi", "kos mesum",
        "preman", "premanisme", "palak", "dipalak", "malak", "pungli", "pungutan liar",
        "uang keamanan", "ormas", "parkir liar", "juru parkir", "jukir",
        "tukang parkir", "pak ogah", "polisi cepek", "berisik", "bising", "knalpot",
        "brong", "musik keras", "orgen", "dangdutan", "petasan", "kembang api",
        "pengamen", "manusia silver", "pengemis", "gepeng", "pkl", "lapak liar",
        "satpol pp", "tibum", "trantib", "ditertibkan", "penertiban", "razia",
    ),
    "remaja": (
        "anak sd", "anak smp", "anak sma", "anak smk", "konvoi", "kelulusan", "coret seragam",
        "keluar malam",
        "remaja", "anak muda", "abg", "pelajar",
        "anak sekolah", "bolos", "membolos", "cabut sekolah", "putus sekolah", "dropout",
        "jam malam", "jam belajar", "jam belajar malam", "nongkrong", "keluyuran",
        "balap liar", "balapan", "trek trekan", "trektrekan", "geng motor", "gengster",
        "gangster", "klitih", "perang sarung", "sahur on the road", "asmara subuh",
        "coretcoret", "corat coret", "vandalisme", "grafiti", "mural", "karang taruna",
        "futsal", "turnamen", "ekskul", "pramuka", "pensi", "warnet", "game online",
        "mobile legend", "barudak",
        "satbinmas", "saka bhayangkara", "police goes to school",
    ),
    "lalu_lintas": (
        "lalu lintas", "lalin", "macet", "kemacetan", "kecelakaan", "tabrak", "ditabrak",
        "tabrakan", "laka", "lakalantas", "serempet", "diserempet", "ngebut", "lawan arus",
        "melawan arus", "lampu merah", "traffic light", "apill",
        "zebra cross", "putar balik", "putaran balik",
        "tilang", "etle",
        "overload", "odol", "parkir sembarangan", "bahu jalan", "perlintasan",
        "palang pintu", "satlantas", "dishub", "pengaturan lalu lintas",
        "pengatur lalu lintas", "gatur", "sepeda listrik", "motor listrik",
    ),
    "keamanan": (
        "ronda", "siskamling", "poskamling", "pos ronda", "patroli", "jaga malam",
        "satpam", "hansip", "linmas", "portal", "one gate", "cctv",
        "orang asing", "tidak dikenal", "mencurigakan", "mondarmandir",
        "mondar mandir", "keamanan", "rawan", "bhabinkamtibmas",
        "bhabin", "babinsa", "kehadiran polisi", "polisi datang", "pos polisi", "polmas",
        "kentongan", "alarm", "wajib lapor", "tamu 1x24 jam", "pendatang",
        "pengamanan", "penjagaan",
    ),
    "layanan": (
        "oknum polisi", "polisi minta", "laporan saya", "laporan kami",
        "skck", "sktlk", "surat kehilangan", "laporan kehilangan", "surat keterangan",
        "lapor kehilangan", "sp2hp", "perkembangan kasus", "laporan polisi",
        "bap", "penyidik", "penyidikan", "spkt",
        "calo", "pungutan",
        "propam", "petugas kasar", "tidak ramah", "diabaikan", "sidik jari",
        "perpanjang sim", "bikin sim", "sim keliling", "samsat", "stnk", "bpkb",
        "izin keramaian", "surat izin", "rekomendasi", "visum",
        "polisi tidak datang",
    ),
    "sosial": (
        "bansos", "bantuan sosial", "blt", "pkh", "sembako", "bpnt", "kks",
        "bpjs", "kis", "jkn", "puskesmas", "rumah sakit", "berobat", "stunting",
        "gizi", "posyandu", "ktp", "e ktp", "kk", "kartu keluarga", "akta", "akta lahir",
        "dukcapil", "disdukcapil", "pengangguran", "nganggur",
        "phk", "beasiswa", "kip", "spp",
        "ijazah", "zonasi", "ppdb", "lansia", "disabilitas", "difabel", "yatim", "janda",
        "miskin", "dtks", "dinsos", "odgj", "gangguan jiwa", "rumah tidak layak",
        "rutilahu", "bedah rumah", "dapur umum", "pengungsi", "korban banjir",
        "korban kebakaran",
    ),
    "lingkungan": (
        "galian", "pengerukan", "dikeruk", "bergelantungan", "menjuntai", "roboh", "rubuh",
        "ambruk", "tumbang",
        "lampu jalan", "pju", "penerangan jalan", "lampu mati", "got", "selokan",
        "saluran", "drainase", "gorong gorong", "goronggorong", "mampet", "tersumbat",
        "banjir", "genangan", "sampah", "tps", "tpa",
        "bakar sampah", "polusi", "jalan rusak", "berlubang",
        "longsor", "pohon tumbang", "dahan", "tiang listrik",
        "korsleting", "konslet", "kebakaran", "terbakar", "hidran", "damkar",
        "pln", "listrik", "air bersih", "pdam", "sumur", "anjing liar",
        "dbd", "fogging", "sutet",
    ),
    # Civil disputes with no §5 home, and complaints about the event or this platform:
    # `lainnya` (labelling guide §2.1, §3).
    "lainnya": (
        "sengketa", "warisan", "batas tanah", "berselisih", "perselisihan", "adu mulut",
        "gosip", "fitnah", "kubu", "pemilihan ketua", "kas rw", "kas rt", "grup wa",
        "jumat curhat", "ngopi kamtibmas", "undangan acara", "molor", "nomor tiket",
        "formulir", "aplikasi error", "website",
    ),
}  # fmt: skip


@lru_cache(maxsize=1)
def _index() -> tuple[
    dict[str, tuple[str, ...]], dict[tuple[str, ...], tuple[str, ...]], tuple[int, ...]
]:
    """Cues as the classifier reads text: each through ``features.model_words`` (so
    "anak-anak", "gorong gorong" and "lalu lintas" match what a text becomes), one
    word to the topics it names, and phrases likewise."""
    from kamtibmas.triage.features import model_words, stem_word

    words: dict[str, list[str]] = {}
    phrases: dict[tuple[str, ...], list[str]] = {}
    for topic, cues in TOPICS.items():
        for cue in cues:
            parts = tuple(model_words(cue))
            if not parts:
                continue
            if len(parts) == 1:
                word = parts[0]
                targets = [words.setdefault(word, []), words.setdefault(stem_word(word), [])]
            else:
                targets = [phrases.setdefault(parts, [])]
            for target in targets:
                if topic not in target:
                    target.append(topic)
    return (
        {word: tuple(topics) for word, topics in words.items()},
        {phrase: tuple(topics) for phrase, topics in phrases.items()},
        tuple(sorted({len(phrase) for phrase in phrases}, reverse=True)),
    )


def topic_cues(words: Sequence[str], stems: Sequence[str]) -> list[tuple[str, str]]:
    """``(topic, the words that named it)`` for every cue in a text, in order."""
    word_cues, phrase_cues, sizes = _index()
    found: list[tuple[str, str]] = []
    for index, (word, stemmed) in enumerate(zip(words, stems, strict=True)):
        for topic in word_cues.get(word, ()) or word_cues.get(stemmed, ()):
            found.append((topic, word))
        for size in sizes:
            phrase = tuple(words[index : index + size])
            for topic in phrase_cues.get(phrase, ()):
                found.append((topic, " ".join(phrase)))
    return found
