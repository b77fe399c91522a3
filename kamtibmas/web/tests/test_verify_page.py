"""The public verify page (§6 ``/verify/<payload>.<signature>``, SECURITY.md 16-17):
VALID or INVALID with the reason in plain words; of a correctly signed text only the
masked name, number, item labels, dates (Indonesian format) and issuing unit; never
a NIK, and for a forged text nothing at all: the same page whether or not the number
it names exists. Throttled per client, unindexed, kept at most half a minute."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from kamtibmas.certificates.keys import signing_key_compromise
from kamtibmas.certificates.models import Certificate, ReportSource
from kamtibmas.certificates.qr import (
    CertificateClaims,
    b64url_decode,
    b64url_encode,
    kid_for,
    sign,
    verify_url,
)
from kamtibmas.certificates.services import (
    certificate_issue,
    certificate_revoke,
    loss_report_start,
)
from kamtibmas.certificates.tests.conftest import KTP_AND_KK, SITI_NIK, desk, identity
from kamtibmas.core.throttle import Limit
from kamtibmas.core.timefmt import format_local_date
from kamtibmas.web import certificates_public
from kamtibmas.web.tests.test_views import assert_no_inline_code, parse

pytestmark = pytest.mark.django_db

__all__ = ["desk"]

ENGLISH = {"cookie": f"{settings.LANGUAGE_COOKIE_NAME}=en"}
NIK_LIKE = re.compile(r"\d(?:[\s.\-]?\d){15}")
CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def issue(desk, **changes) -> Certificate:
    report = loss_report_start(
        actor=desk.officer,
        source=ReportSource.DESK,
        unit=desk.polsek_selatan,
        identity=identity(),
        items=KTP_AND_KK,
        lost_on="2025-07-30",
        lost_place="Pasar Baru Bekasi",
    )
    return certificate_issue(actor=desk.officer, report=report, identity_checked="KK", **changes)


@pytest.fixture
def certificate(desk) -> Certificate:
    return issue(desk)


def verdict_of(response) -> tuple[str, str]:
    verdict = parse(response).one("section", id="verdict")
    return verdict.attrs["data-outcome"], verdict.attrs.get("data-reason", "")


def forged(certificate: Certificate, *, number: str, key: Ed25519PrivateKey, kid: str) -> str:
    """A text naming ``number``, signed by ``key`` under ``kid`` (a wrong one, or
    an unknown one): what someone without the deployment's key can make."""
    claims = CertificateClaims(
        kid=kid,
        no=number,
        iat=certificate.valid_from,
        exp=certificate.valid_until,
        unit=certificate.unit.name,
        name="S*** A*****",
        items=("ktp", "kk"),
    )
    payload = claims.payload_bytes()
    return f"{b64url_encode(payload)}.{b64url_encode(key.sign(payload))}"


def assert_nothing_shown(response) -> None:
    page = parse(response)
    assert not page.all("dl", id="certificate")
    assert "S*** A*****" not in page.text and "Polsek Bekasi Selatan" not in page.text
    assert "SKTLK" not in page.text


# A genuine certificate -----------------------------------------------------------------------


def test_a_valid_certificate_shows_valid_and_only_its_public_claims(client, certificate):
    response = client.get(f"/verify/{certificate.qr_text}")
    assert response.status_code == 200
    assert verdict_of(response) == ("valid", "")
    page = parse(response)
    assert page.one("html").attrs["lang"] == "id"
    assert page.one("dd", id="certificate-number").text == certificate.number
    assert page.one("dd", id="certificate-name").text == "S*** A*****"
    assert page.one("dd", id="certificate-items").text == (
        "Kartu Tanda Penduduk (KTP-el), Kartu Keluarga (KK)"
    )
    issued = format_local_date(certificate.valid_from, language="id")
    until = format_local_date(certificate.valid_until, language="id")
    assert page.one("dd", id="certificate-issued").text == issued
    assert page.one("dd", id="certificate-valid-until").text == until
    assert re.fullmatch(r"\w+, \d{1,2} \w+ \d{4}", until), "Senin, 1 September 2025"
    assert page.one("dd", id="certificate-unit").text == "Polsek Bekasi Selatan"
    assert "Siti" not in page.text and "Aminah" not in page.text
    assert SITI_NIK not in response.content.decode() and not NIK_LIKE.search(page.text)
    assert "Budi" not in page.text, "nor the issuing officer"
    assert_no_inline_code(page)


def test_the_qr_address_itself_is_the_page(client, certificate):
    address = verify_url(settings.PUBLIC_URL, certificate.qr_text)
    path = address.removeprefix(settings.PUBLIC_URL)
    assert path == f"/verify/{certificate.qr_text}"
    assert verdict_of(client.get(path))[0] == "valid"


def test_headers_keep_the_page_unindexed_briefly_cached_and_its_address_private(
    client, certificate
):
    response = client.get(f"/verify/{certificate.qr_text}")
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "strict-origin"
    control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert "private" in control
    ages = [int(part.split("=")[1]) for part in control if part.startswith("max-age=")]
    assert ages and ages[0] <= 60, "a revocation must show within a minute"


def test_verifying_reads_the_database_once_and_a_forgery_not_at_all(
    client, certificate, django_assert_num_queries
):
    with django_assert_num_queries(1):  # the revocation
        client.get(f"/verify/{certificate.qr_text}")
    text = forged(
        certificate,
        number=certificate.number,
        key=Ed25519PrivateKey.generate(),
        kid=certificate.kid,
    )
    with django_assert_num_queries(0):
        client.get(f"/verify/{text}")


def test_english_says_valid_in_english(client, certificate):
    page = parse(client.get(f"/verify/{certificate.qr_text}", headers=ENGLISH))
    assert page.one("h2", id="verdict-title").text == "VALID"
    assert page.one("dd", id="certificate-items").text == "Identity card (KTP-el), Family card (KK)"
    until = format_local_date(certificate.valid_until, language="en")
    assert page.one("dd", id="certificate-valid-until").text == until


# Why a text is invalid -------------------------------------------------------------------------


def _flip_payload_byte(text: str) -> str:
    payload, signature = text.split(".")
    data = bytearray(b64url_decode(payload))
    index = data.index(b"Polsek")
    data[index] ^= 0x01  # "Polsek" becomes "Qolsek": well formed, wrongly signed
    return f"{b64url_encode(bytes(data))}.{signature}"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_flip_payload_byte, "bad_signature"),
        (lambda text: text[:-2], "malformed"),  # a signature of the wrong length
        (lambda text: text.split(".")[0] + "." + b64url_encode(b"\0" * 63), "malformed"),
        (lambda text: text.replace(".", ".!!", 1), "malformed"),  # not base64url
        (lambda text: text.replace(".", "==.", 1), "malformed"),  # padding
        (lambda text: text.split(".")[0], "malformed"),
        (lambda text: "", "malformed"),
    ],
    ids=[
        "tampered",
        "short-signature",
        "63-byte-signature",
        "non-base64",
        "padding",
        "no-dot",
        "empty",
    ],
)
def test_a_changed_text_is_invalid_with_its_reason_and_shows_nothing(
    client, certificate, change, reason
):
    text = change(certificate.qr_text)
    response = client.get(f"/verify/{quote(text)}") if text else client.get("/verify/?text=%20%21")
    assert response.status_code == 200
    assert verdict_of(response) == ("invalid", reason)
    assert parse(response).one("p", id="verdict-reason").text
    assert_nothing_shown(response)


def test_an_unknown_key_is_invalid(client, certificate):
    key = Ed25519PrivateKey.generate()
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    kid = kid_for(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    claims = CertificateClaims.for_holder(
        kid=kid,
        no=certificate.number,
        iat=certificate.valid_from,
        exp=certificate.valid_until,
        unit="Polsek Bekasi Selatan",
        holder_name="Siti Aminah",
        items=["ktp"],
    )
    response = client.get(f"/verify/{sign(claims, key)}", headers=ENGLISH)
    assert verdict_of(response) == ("invalid", "unknown_key")
    assert "not signed by this service" in parse(response).one("p", id="verdict-reason").text
    assert_nothing_shown(response)


def test_a_compromised_key_no_longer_verifies(client, certificate):
    signing_key_compromise(certificate.kid)
    response = client.get(f"/verify/{certificate.qr_text}")
    assert verdict_of(response) == ("invalid", "compromised_key")
    assert_nothing_shown(response)


def test_an_expired_certificate_is_invalid_and_says_when_it_ended(client, desk):
    old = issue(desk, now=timezone.now() - timedelta(days=90))
    response = client.get(f"/verify/{old.qr_text}", headers=ENGLISH)
    assert verdict_of(response) == ("invalid", "expired")
    page = parse(response)
    assert page.one("p", id="verdict-reason").text == "This certificate has expired."
    assert page.one("dd", id="certificate-valid-until").text == format_local_date(
        old.valid_until, language="en"
    )


def test_a_certificate_dated_in_the_future_is_not_yet_valid(client, desk):
    early = issue(desk, now=timezone.now() + timedelta(days=5))
    assert verdict_of(client.get(f"/verify/{early.qr_text}")) == ("invalid", "not_yet_valid")


def test_a_revoked_certificate_is_invalid_from_the_next_request(client, desk, certificate):
    assert verdict_of(client.get(f"/verify/{certificate.qr_text}"))[0] == "valid"
    certificate_revoke(actor=desk.officer, certificate=certificate, reason="Data salah ketik")
    response = client.get(f"/verify/{certificate.qr_text}", headers=ENGLISH)
    assert verdict_of(response) == ("invalid", "revoked")
    assert "revoked" in parse(response).one("p", id="verdict-reason").text
    assert "salah ketik" not in response.content.decode(), "the reason stays at the desk"


# No enumeration (SECURITY.md 17) ------------------------------------------------------------


def _normalised(response, text: str) -> str:
    body = response.content.decode().replace(quote(text, safe="/"), "TEXT").replace(text, "TEXT")
    return CSRF_VALUE.sub('name="csrfmiddlewaretoken" value="TOKEN"', body)


@pytest.mark.parametrize("key_known", [True, False], ids=["wrong-signature", "unknown-key"])
def test_a_forgery_gets_the_same_page_whether_or_not_its_number_exists(
    desk, certificate, key_known
):
    key = Ed25519PrivateKey.generate()
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    kid = (
        certificate.kid
        if key_known
        else kid_for(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    )
    missing = certificate.number.replace(f"/{certificate.sequence}/", "/9/", 1)
    assert missing != certificate.number and len(missing) == len(certificate.number)
    assert not Certificate.objects.filter(number=missing).exists()
    existing_text = forged(certificate, number=certificate.number, key=key, kid=kid)
    missing_text = forged(certificate, number=missing, key=key, kid=kid)
    client = Client()
    existing = client.get(f"/verify/{existing_text}")
    absent = client.get(f"/verify/{missing_text}")
    assert existing.status_code == absent.status_code == 200
    assert verdict_of(existing) == verdict_of(absent)
    assert verdict_of(existing)[0] == "invalid"
    assert _normalised(existing, existing_text) == _normalised(absent, missing_text)
    assert existing.headers == absent.headers


# Any input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/verify/" + "A" * 5000,
        "/verify/" + "A" * 3000 + "." + "B" * 86,
        "/verify/a/b/c.d",
        "/verify/%F0%9F%92%A9.%00",
        "/verify/%E2%80%AE%3Cscript%3E.x",
        "/verify/..",
        "/verify/.%20.",
        "/verify/eyJ9.e30",
    ],
)
def test_any_text_is_answered_without_an_error(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert verdict_of(response) == ("invalid", "malformed")
    assert "<script>" not in response.content.decode()


def test_the_form_takes_a_pasted_text_or_whole_address(client, certificate):
    page = parse(client.get("/verify/"))
    form = page.one("form", id="verify-form")
    assert form.attrs["method"] == "get" and form.attrs["action"] == "/verify/"
    assert page.one("textarea", inside=form, name="text")
    assert not page.all("section", id="verdict")
    assert_no_inline_code(page)
    address = verify_url("https://kamtibmas.example.id", certificate.qr_text)
    folded = address[:60] + "\n" + address[60:] + "  "
    for pasted in (certificate.qr_text, address, folded):
        assert verdict_of(client.get("/verify/", {"text": pasted}))[0] == "valid"
    response = client.get("/verify/", {"text": "x" * 10_000})
    assert verdict_of(response) == ("invalid", "malformed")
    empty = client.get("/verify/", {"text": "  "})
    assert empty.status_code == 200 and not parse(empty).all("section", id="verdict")
    assert parse(empty).one("ul", id="id_text_error")


def test_only_reading_is_allowed(client, certificate):
    assert client.post(f"/verify/{certificate.qr_text}").status_code == 405
    assert client.post("/verify/").status_code == 405
    assert client.head(f"/verify/{certificate.qr_text}").status_code == 200


def test_one_client_checking_too_much_is_held_off(client, certificate, monkeypatch):
    monkeypatch.setattr(certificates_public, "VERIFY_PER_CLIENT", Limit(attempts=3, seconds=60))
    for _ in range(3):
        assert client.get(f"/verify/{certificate.qr_text}").status_code == 200
    response = client.get(f"/verify/{certificate.qr_text}")
    assert response.status_code == 429
    assert "no-store" in response["Cache-Control"]
    page = parse(response)
    assert page.one("div", id="verify-throttled")
    assert not page.all("section", id="verdict")
    other = Client(REMOTE_ADDR="10.2.3.4")
    assert other.get(f"/verify/{certificate.qr_text}").status_code == 200
