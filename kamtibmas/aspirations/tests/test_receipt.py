from hypothesis import given
from hypothesis import strategies as st

from kamtibmas.aspirations.receipt import (
    ALPHABET,
    case_number_generate,
    receipt_digest,
    receipt_generate,
    receipt_normalise,
)


def test_security_11_code_has_80_bits_in_four_groups_read_aloud():
    code = receipt_generate()
    groups = code.split("-")
    assert [len(g) for g in groups] == [4, 4, 4, 4]
    assert all(ch in ALPHABET for ch in "".join(groups))
    assert len(ALPHABET) ** 16 == 2**80


def test_codes_do_not_repeat():
    assert len({receipt_generate() for _ in range(2000)}) == 2000


def test_typed_variants_find_the_same_digest():
    code = receipt_generate()
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert receipt_digest(typed) == receipt_digest(code)


def test_digest_is_not_the_code():
    code = receipt_generate()
    digest = receipt_digest(code)
    assert digest is not None and len(digest) == 64
    assert code.replace("-", "") not in digest.upper()


@given(st.text(max_size=40))
def test_anything_else_is_not_a_code(text):
    normalised = receipt_normalise(text)
    assert normalised is None or (len(normalised) == 16 and set(normalised) <= set(ALPHABET))


def test_case_numbers_are_random_and_shaped():
    numbers = {case_number_generate() for _ in range(500)}
    assert len(numbers) == 500
    assert all(n.startswith("ASP-") and len(n) == 13 for n in numbers)
