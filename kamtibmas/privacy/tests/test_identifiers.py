import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kamtibmas.privacy.identifiers import (
    mask_identifier,
    normalise_kk,
    normalise_nik,
    normalise_phone,
)

VALID_NIK = "3275047107850003"  # Kota Bekasi, Bekasi Selatan; woman born 31-07-1985


@pytest.mark.parametrize("written", [VALID_NIK, "3275 0471 0785 0003", "327504.710785.0003"])
def test_nik_accepts_common_separators(written):
    assert normalise_nik(written) == VALID_NIK


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("327504710785000", "length", "16 digits; 15 were given"),
        ("32750471078500031", "length", "17 were given"),
        ("32750471078A0003", "not_digits", "digits only"),
        ("0075047107850003", "province", "00 is not one"),
        ("3275043213850003", "birth_date", "321385"),
        ("3275047107850000", "sequence", "0000"),
        ("", "required", "required"),
    ],
)
def test_nik_errors_say_what_is_wrong(value, code, fragment):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        normalise_nik(value)
    assert caught.value.code == code
    assert fragment in caught.value.messages[0]


def test_nik_error_in_indonesian():
    with translation.override("id"), pytest.raises(ValidationError) as caught:
        normalise_nik("123")
    assert caught.value.messages[0] == "NIK harus terdiri atas 16 angka; yang diisi 3 angka."


def test_kk_is_sixteen_digits_without_birth_date_rule():
    assert normalise_kk("3275040101200005") == "3275040101200005"
    with pytest.raises(ValidationError):
        normalise_kk("32750401012000")


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("081234567890", "+6281234567890"),
        ("0812-3456-7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("(021) 8880-1234", "+622188801234"),
    ],
)
def test_phone_normalised_to_e164(written, e164):
    assert normalise_phone(written) == e164


@pytest.mark.parametrize("bad", ["12345", "+1 202 555 0100", "phone", "0812"])
def test_phone_rejected_with_a_message(bad):
    with pytest.raises(ValidationError) as caught:
        normalise_phone(bad)
    assert caught.value.messages[0]


@given(st.from_regex(r"8[1-9][0-9]{8,9}", fullmatch=True))
def test_phone_forms_agree(national):
    try:
        canonical = normalise_phone("0" + national)
    except ValidationError:
        return  # not an allocated number range
    assert normalise_phone("+62" + national) == canonical
    assert normalise_phone("62" + national) == canonical


@given(st.text(alphabet="0123456789", min_size=4, max_size=20))
def test_mask_keeps_only_the_last_four(value):
    masked = mask_identifier(value)
    assert len(masked) == len(value)
    assert masked[-4:] == value[-4:]
    assert set(masked[:-4]) <= {"*"}
