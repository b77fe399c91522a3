"""Checking answers against the GeoReport v2 specification.

``jsonschema`` is not installed here, so this is a small validator of the JSON
Schema keywords our schemas use (``type``, ``properties``, ``required``,
``additionalProperties``, ``items``, ``enum``, ``pattern``, ``minItems``,
``maxItems``, ``minLength``, ``minimum``, ``$ref`` to ``#/$defs/…``). The XML form of an answer is
read back into the same shape (lists from the specification's containers, every
value as text) and checked against the same schema, with XML's looser types: text
for numbers and booleans, an empty element for ``null``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, fromstring

SCHEMAS = Path(__file__).parent / "schemas"
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'
CONTAINERS = {
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
# Root element of each schema's document in XML.
ROOTS = {
    "discovery": "discovery",
    "services": "services",
    "service_definition": "service_definition",
    "service_requests": "service_requests",
    "post_response": "service_requests",
    "errors": "errors",
    "service_request_updates": "service_request_updates",
}
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))


def _type_ok(value: Any, kind: str, *, xml: bool) -> bool:
    if xml:
        if kind in ("null", "string") and value is None:
            return True  # an empty element: XML cannot tell "" from null
        if value is None:
            return False
        if kind == "boolean":
            return value in ("true", "false")
        if kind == "integer":
            return isinstance(value, str) and value.lstrip("-").isdigit()
        if kind == "number":
            return isinstance(value, str) and bool(_NUMBER.fullmatch(value))
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "null": lambda v: v is None,
    }
    return bool(checks[kind](value))


def violations(
    value: Any,
    spec: dict[str, Any],
    *,
    root: dict[str, Any] | None = None,
    xml: bool = False,
    at: str = "$",
) -> list[str]:
    """Every way ``value`` breaks ``spec``, as "path: problem"."""
    root = root or spec
    if "$ref" in spec:
        target: Any = root
        for part in spec["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return violations(value, target, root=root, xml=xml, at=at)
    found: list[str] = []
    kinds = spec.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_type_ok(value, kind, xml=xml) for kind in kinds):
            return [f"{at}: {value!r} is not of type {kinds}"]
    if "enum" in spec and value not in spec["enum"]:
        found.append(f"{at}: {value!r} is not one of {spec['enum']}")
    if isinstance(value, str) and len(value) < spec.get("minLength", 0):
        found.append(f"{at}: {value!r} is shorter than {spec['minLength']}")
    if isinstance(value, str) and "pattern" in spec and not re.search(spec["pattern"], value):
        found.append(f"{at}: {value!r} does not match {spec['pattern']}")
    if "minimum" in spec and value is not None and float(value) < spec["minimum"]:
        found.append(f"{at}: {value!r} is below {spec['minimum']}")
    if isinstance(value, dict):
        for name in spec.get("required", []):
            if name not in value:
                found.append(f"{at}: {name} is missing")
        properties = spec.get("properties", {})
        for name, item in value.items():
            if name in properties:
                found += violations(item, properties[name], root=root, xml=xml, at=f"{at}.{name}")
            elif spec.get("additionalProperties") is False:
                found.append(f"{at}: {name} is not a field of the specification")
    if isinstance(value, list):
        if len(value) < spec.get("minItems", 0):
            found.append(f"{at}: fewer than {spec['minItems']} items")
        if "maxItems" in spec and len(value) > spec["maxItems"]:
            found.append(f"{at}: more than {spec['maxItems']} items")
        if "items" in spec:
            for index, item in enumerate(value):
                found += violations(item, spec["items"], root=root, xml=xml, at=f"{at}[{index}]")
    return found


def _read(element: Element) -> Any:
    if element.tag in CONTAINERS:
        singular = CONTAINERS[element.tag]
        items = list(element)
        assert all(child.tag == singular for child in items), (
            f"<{element.tag}> may only hold <{singular}>, not {[c.tag for c in items]}"
        )
        return [_read(child) for child in items]
    children = list(element)
    if children:
        names = [child.tag for child in children]
        assert len(names) == len(set(names)), f"<{element.tag}> repeats a child: {names}"
        return {child.tag: _read(child) for child in children}
    return element.text  # None for an empty element


def xml_data(content: bytes, root: str) -> Any:
    """The document of an XML answer in the JSON shape, after checking its
    declaration and root element."""
    assert content.startswith(XML_DECLARATION), content[:80]
    element = fromstring(content)  # noqa: S314 (our own answer)
    assert element.tag == root, f"root is <{element.tag}>, expected <{root}>"
    if root in CONTAINERS:
        return _read(element)
    return {child.tag: _read(child) for child in element}


def conforms(response: Any, name: str, fmt: str) -> Any:
    """Check an answer's content type and document against schema ``name``; return
    the document (from XML: in JSON shape, values as text)."""
    if fmt == "json":
        assert response["Content-Type"] == JSON_TYPE, response["Content-Type"]
        data = json.loads(response.content)
        problems = violations(data, schema(name))
    else:
        assert response["Content-Type"] == XML_TYPE, response["Content-Type"]
        data = xml_data(response.content, ROOTS[name])
        problems = violations(data, schema(name), xml=True)
    assert not problems, "\n".join(problems[:20])
    return data
