"""A corpus of hostile inputs (issue 12 point 4), shared by the checks of
``test_hostile_inputs``: text values to put into otherwise valid fields, JSON values
for numeric fields, and whole bodies that no parser should trust.

Every entry has a name that says what it is; the tests report failures by it.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from urllib.parse import quote

from PIL import Image

#: Larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django's default 2.5 MB).
HUGE_BODY_BYTES = 3 * 1024 * 1024
MEGABYTE = 1024 * 1024
#: The file an external entity names; its first line must never show in an answer.
PASSWD = "/etc/passwd"
PASSWD_LINE = "root:x:0:0"
#: What the billion laughs would expand to (the entity's text, repeated).
LAUGH = "lol"

#: Text values, each put into the string fields of a valid body.
TEXTS: dict[str, str] = {
    "nul": "Lampu jalan\x00mati",
    "lone-surrogate": "Lampu \ud800 mati",
    "markup": '<script>alert(1)</script><img src=x onerror="alert(1)"> {{ 7*7 }} {% now %}',
    "bidi-zero-width": "Lampu\u202emati\u202c\u200b\u200d\u2066x\u2069\ufeff",
    "control": "Lampu\x07\x1b[31mmati\r\nSet-Cookie: a=1",
    "sql-traversal": "' OR 1=1 -- ../../../../etc/passwd %s %n",
    "huge": "x" * MEGABYTE,
}

#: JSON numbers (as they appear in the body's text) for the numeric fields.
NUMBERS: dict[str, str] = {
    "1e999": "1e999",
    "-1e999": "-1e999",
    "minus-zero": "-0",
    "2**64": str(2**64),
    "-2**63-1": str(-(2**63) - 1),
    "fraction": "0.5",
}


@dataclass(frozen=True)
class Body:
    """A whole request body, sent as it is."""

    name: str
    content: bytes
    content_type: str
    #: Extra WSGI environ (a lying ``CONTENT_LENGTH``).
    extra: dict[str, str] = field(default_factory=dict)


def deeply_nested(levels: int = 10_000) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


def billion_laughs() -> bytes:
    entities = [f'<!ENTITY lol0 "{LAUGH}">']
    entities += [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n'
        + "\n".join(entities)
        + "\n]>\n<service_request><description>&lol9;</description></service_request>"
    ).encode()


def external_entity() -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file://{PASSWD}">]>\n'
        "<service_request><service_code>lingkungan</service_code>"
        "<description>&x;</description></service_request>"
    ).encode()


def parameter_entity() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>'
        b"\n<service_request><description>x</description></service_request>"
    )


#: One part of a multipart body: field name, file name (``None``: a plain field), content.
Part = tuple[str, str | None, bytes]


def multipart(boundary: str, parts: list[Part]) -> bytes:
    """A multipart body: (field name, file name or None, content) per part."""
    out = io.BytesIO()
    for name, filename, content in parts:
        out.write(f"--{boundary}\r\n".encode())
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out.write(f"Content-Disposition: {disposition}\r\n".encode())
        if filename is not None:
            out.write(b"Content-Type: image/jpeg\r\n")
        out.write(b"\r\n" + content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "orange").save(buffer, "JPEG")
    return buffer.getvalue()


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def xml_bodies() -> list[Body]:
    """Entity tricks, sent as every XML content type a parser might answer to."""
    found = []
    for kind in ("text/xml", "application/xml"):
        found += [
            Body(f"billion-laughs ({kind})", billion_laughs(), kind),
            Body(f"external-entity ({kind})", external_entity(), kind),
            Body(f"parameter-entity ({kind})", parameter_entity(), kind),
        ]
    return found


def json_bodies() -> list[Body]:
    """Whole JSON bodies that a strict parser refuses or handles without harm."""
    return [
        Body("invalid-utf-8", b'{"text": "Lampu \xff\xfe mati"}', JSON),
        Body("overlong-utf-8", b'{"text": "\xc0\xaf\xe0\x80\xaf"}', JSON),
        Body("utf-8-encoded-surrogate", b'{"text": "\xed\xa0\x80"}', JSON),
        Body("utf-16", '{"text": "x"}'.encode("utf-16"), JSON),
        Body("deeply-nested", deeply_nested(), JSON),
        Body("deeply-nested-list", b"[" * 10_000 + b"]" * 10_000, JSON),
        Body("not-an-object", b'"just a string"', JSON),
        Body("null", b"null", JSON),
        Body("empty", b"", JSON),
        Body("truncated", b'{"text": "x', JSON),
        Body("nan", b'{"text": NaN}', JSON),
        Body("huge-body", b'{"text": "' + b"x" * HUGE_BODY_BYTES + b'"}', JSON),
        Body("lying-length", b'{"text": "x"}', JSON, {"CONTENT_LENGTH": str(200 * MEGABYTE)}),
        Body(
            "charset-latin-1", '{"text": "caf\xe9"}'.encode("latin-1"), JSON + "; charset=latin-1"
        ),
        Body("form-encoded", b"text=x&" + b"&".join(b"f%d=1" % n for n in range(10_000)), FORM),
        Body("text-plain", b'{"text": "x"}', "text/plain"),
        Body(
            "multipart-broken-boundary",
            b'--xyz\r\nContent-Disposition: form-data; name="text"\r\n\r\nunterminated',
            "multipart/form-data; boundary=abc",
        ),
        Body("multipart-no-boundary", b"x", "multipart/form-data"),
        *xml_bodies(),
    ]


def form_bodies() -> list[Body]:
    """Whole form bodies (the web's forms, Open311's POST) no parser should trust."""
    return [
        Body(
            "invalid-utf-8",
            b"text=%FF%FE&description=caf\xe9&name=\xc0\xaf&reason=%ED%A0%80",
            FORM,
        ),
        Body("overlong-utf-8", b"text=%C0%AF%E0%80%AF&description=%C0%80", FORM),
        Body("ten-thousand-fields", b"&".join(b"f%d=1" % n for n in range(10_000)), FORM),
        Body("huge-body", b"text=" + b"x" * HUGE_BODY_BYTES, FORM),
        Body(
            "multipart-broken-boundary",
            b'--xyz\r\nContent-Disposition: form-data; name="text"\r\n\r\nunterminated',
            "multipart/form-data; boundary=abc",
        ),
        Body("multipart-no-boundary", b"x", "multipart/form-data"),
        Body("json", json.dumps({"text": "x", "description": "y"}).encode(), JSON),
        *xml_bodies(),
    ]


def lying_lengths() -> list[Body]:
    """Bodies whose ``Content-Length`` claims 200 MB: for the endpoints that promise to
    refuse them before reading (Open311, JSON). Django's multipart parser reads until
    the stream ends; in front of it, nginx's ``client_max_body_size`` bounds the body
    (the test client cannot send a short body that claims to be long there)."""
    return [
        Body(
            "multipart-lying-length",
            b"--xyz--\r\n",
            "multipart/form-data; boundary=xyz",
            {"CONTENT_LENGTH": str(200 * MEGABYTE)},
        ),
        Body("form-lying-length", b"text=x", FORM, {"CONTENT_LENGTH": str(200 * MEGABYTE)}),
    ]


def percent(text: str) -> str:
    """``text`` as a form value; lone surrogates as the bytes a sloppy client sends."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


#: File names of uploads that try to leave the upload directory.
TRAVERSAL_NAMES = (
    "../../../../../../tmp/kamtibmas-hostile-upload.jpg",
    "..\\..\\..\\..\\windows\\kamtibmas-hostile-upload.jpg",
    "/etc/kamtibmas-hostile-upload.jpg",
    "foto\x00.php.jpg",
)
