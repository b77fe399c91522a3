"""The leak detector of the suite's log check (``kamtibmas/conftest.py``) and the
logging settings it relies on (SECURITY.md 5).

``identifiers_in`` must find every NIK, KK and phone number as people write them,
never fire on the numbers logs are full of (times, ids, hashes, case numbers,
coordinates, area codes), and find nothing that the production filter
(``redact``) would let through.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.utils.log import configure_logging
from hypothesis import given
from hypothesis import strategies as st

from kamtibmas.privacy.redaction import RedactIdentifiersFilter, identifiers_in, redact

IDENTIFIERS = [
    ("NIK 3275047107850003 tidak cocok", "3275047107850003"),
    ("NIK perempuan 3275046505900002.", "3275046505900002"),
    ("nomor 3275 0471 0785 0003", "3275 0471 0785 0003"),
    ("KK 3275-0401-0120-0005", "3275-0401-0120-0005"),
    ("nik=3275047107850003,kk=3275040101090011", "3275047107850003"),
    ("hubungi 0812-3456-7890", "0812-3456-7890"),
    ("hubungi +6281234567890 segera", "+6281234567890"),
    ("wa 6281234567890", "6281234567890"),
    ("telp 0812.3456.7890", "0812.3456.7890"),
    ("telp +62 (812) 3456-7890", "+62 (812) 3456-7890"),
    ("HP 0812 3456 789", "0812 3456 789"),
    ("GET /?nik=3275047107850003 200", "3275047107850003"),
    ("status 200 081234567890 200 ms", "081234567890"),
    ("tel:081234567890", "081234567890"),
    ("{'phone': '+6281299991234'}", "+6281299991234"),
    ("kantor 021-5551234", "021-5551234"),
    ("kantor (021) 555 1234", "(021) 555 1234"),
    ("tersimpan +62215551234", "+62215551234"),
]


@pytest.mark.parametrize(("text", "secret"), IDENTIFIERS)
def test_finds_nik_kk_and_phone_numbers_as_people_write_them(text, secret):
    assert any(secret in found for found in identifiers_in(text))
    # The production filter hides whatever the check finds.
    assert secret not in redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "RT 001/RW 024, 30 warga, pukul 10.10",
        "wilayah 32.75.04.1005.024.001 dibuat",
        "2025-07-31 03:10:00+00:00 permintaan selesai dalam 0.125 s",
        "2026-11-28T17:29:04.123456+00:00",
        "2026-08-12 08:12:34.081234",
        "tanggal 05-11-2026 10.00, 0999-01-01 00:00:00",
        "dalam 0.23456789 s",
        "epoch 1764349744.123456, 1764349744123456 us, 1764349744123456789 ns",
        "91219 wilayah, 83441 desa",
        "Aspiration 12345 ASP-7F3Q-9X2M received",
        "receipt 7F3Q-9X2M-K4TD-HW8R",
        "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "uuid 12345678-1234-5678-1234-567812345678",
        "token x08123456789012y",
        "koordinat -6.2476130, 106.9942170",
        "3275047107850003123 is no NIK: 19 digits",
        "3275-0471-0785-0003-1234: five groups",
        "9999999999999999: no province",
        "3275049999990003: no date",
        "id=00000000812345678",
    ],
)
def test_leaves_times_ids_hashes_and_codes_alone(text):
    assert identifiers_in(text) == []


@given(st.datetimes(timezones=st.just(UTC)))
def test_no_timestamp_is_a_phone_or_nik(moment: datetime):
    for text in (str(moment), moment.isoformat(), f"{moment.timestamp()}", moment.ctime()):
        assert identifiers_in(text) == [], text


@given(st.uuids(), st.binary(min_size=1, max_size=64), st.integers(0, 2**31 - 1))
def test_no_id_or_hash_is_a_phone_or_nik(an_id: uuid.UUID, data: bytes, number: int):
    for text in (
        str(an_id),
        an_id.hex,
        hashlib.sha256(data).hexdigest(),
        hashlib.md5(data).hexdigest(),  # noqa: S324 (a sample of what logs hold)
        f"case {number} done",
    ):
        assert identifiers_in(text) == [], text


_SEPARATORS = st.sampled_from(["", " ", "-"])


@st.composite
def written_niks(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(["11", "32", "36", "51", "75", "91"]))
    place = draw(st.text("0123456789", min_size=4, max_size=4))
    day = draw(st.integers(1, 31)) + draw(st.sampled_from([0, 40]))
    month, year = draw(st.integers(1, 12)), draw(st.integers(0, 99))
    sequence = draw(st.integers(1, 9999))
    digits = f"{province}{place}{day:02d}{month:02d}{year:02d}{sequence:04d}"
    separator = draw(_SEPARATORS)
    return separator.join(digits[i : i + 4] for i in range(0, 16, 4))


@st.composite
def written_phones(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["0", "+62", "62", "+62 "]))  # 62: mobiles only
    operator = draw(st.sampled_from(["811", "812", "813", "821", "852", "857", "878", "896"]))
    rest = draw(st.text("0123456789", min_size=6, max_size=8))
    separator = draw(st.sampled_from(["", " ", "-", "."]))
    half = len(rest) // 2  # groups of three or four digits, as people write them
    return f"{prefix}{operator}{separator}{rest[:half]}{separator}{rest[half:]}"


_WORDS = st.sampled_from(["", "NIK ", "telp: ", "(", "warga ", "'", "=", "\n"])
_ENDINGS = st.sampled_from(["", ".", ",", " ", ")", "'", " RT 001", "\n"])


@given(_WORDS, st.one_of(written_niks(), written_phones()), _ENDINGS)
def test_every_written_identifier_is_found_and_redacted(before: str, secret: str, after: str):
    text = f"{before}{secret}{after}"
    assert any(secret.strip() in found for found in identifiers_in(text)), text
    assert secret.strip() not in redact(text)


def test_security_5_every_handler_of_the_logging_settings_redacts():
    """The settings as Django applies them at start-up (its defaults, then ours): no
    handler of any logger writes a record the redacting filter has not seen."""
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    loggers = [logging.root] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    handlers = {
        (logger.name, type(handler).__name__, tuple(type(f).__name__ for f in handler.filters))
        for logger in loggers
        for handler in logger.handlers
        # pytest's own capture is not the application's; a library's NullHandler writes nothing
        if not type(handler).__module__.startswith("_pytest")
        and not isinstance(handler, logging.NullHandler)
    }
    assert ("root", "StreamHandler", ("RedactIdentifiersFilter",)) in handlers
    unfiltered = {entry for entry in handlers if "RedactIdentifiersFilter" not in entry[2]}
    assert unfiltered == set()
    assert isinstance(
        logging.getLogger("django.server").handlers[0].filters[0], RedactIdentifiersFilter
    )
