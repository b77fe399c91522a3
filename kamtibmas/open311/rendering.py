"""Writing Open311 documents as JSON or XML (GeoReport v2, "Format Support").

A document is a root name and plain Python data. JSON is the data itself (the
Spark convention drops the root); XML wraps it in the root element and writes each
list as a container of its singular elements (``services`` → ``service``,
``service_requests`` → ``request``), as the specification's examples and
FixMyStreet do. Booleans are ``true``/``false``, ``None`` an empty element.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from django.http import HttpResponse

JSON = "json"
XML = "xml"
FORMATS = (JSON, XML)
CONTENT_TYPES = {
    JSON: "application/json; charset=utf-8",
    XML: "text/xml; charset=utf-8",
}

SINGULAR = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "service_request_updates": "request_update",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
}

# Characters XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: Element, value: Any) -> None:
    if isinstance(value, dict):
        for name, item in value.items():
            _fill(SubElement(element, name), item)
    elif isinstance(value, list):
        singular = SINGULAR[element.tag]
        for item in value:
            _fill(SubElement(element, singular), item)
    else:
        element.text = _text(value)


def xml_bytes(root: str, data: Any) -> bytes:
    element = Element(root)
    _fill(element, data)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(
        element, encoding="utf-8", xml_declaration=False
    )


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def document_bytes(fmt: str, root: str, data: Any) -> bytes:
    return json_bytes(data) if fmt == JSON else xml_bytes(root, data)


def document_response(fmt: str, root: str, data: Any, *, status: int = 200) -> HttpResponse:
    return HttpResponse(
        document_bytes(fmt, root, data), status=status, content_type=CONTENT_TYPES[fmt]
    )


def errors_document(status: int, messages: list[str]) -> list[dict[str, str]]:
    """The specification's error list: one ``code``/``description`` per problem. The
    code is the HTTP status, as a string."""
    return [{"code": str(status), "description": message} for message in messages]


def error_response(fmt: str, status: int, messages: list[str]) -> HttpResponse:
    response = document_response(fmt, "errors", errors_document(status, messages), status=status)
    response.headers["Cache-Control"] = "no-store"
    return response
