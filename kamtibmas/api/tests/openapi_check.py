"""Checks a JSON answer against the schema the OpenAPI document declares for it.

``jsonschema`` is not a dependency, so this covers the subset of JSON Schema that
Ninja/pydantic emit: ``$ref``, ``type``, ``properties``/``required``, ``items``,
``anyOf``/``allOf``, ``enum``, ``format: date-time``/``date``. It is stricter than
JSON Schema in one way on purpose: an object may carry no key its schema does not
list, because responses must carry only the documented fields (SECURITY.md 9).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.test import Client

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


def openapi_document() -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operation(document: dict[str, Any], operation_id: str) -> tuple[str, str, dict[str, Any]]:
    """``(path, method, operation)`` of the operation with this id."""
    for path, methods in document["paths"].items():
        for method, candidate in methods.items():
            if candidate.get("operationId") == operation_id:
                return path, method, candidate
    raise AssertionError(f"No operation {operation_id} in the OpenAPI document")


def response_schema(document: dict[str, Any], operation_id: str, status: int) -> dict[str, Any]:
    _path, _method, found = operation(document, operation_id)
    declared = found["responses"].get(str(status))
    assert declared is not None, f"{operation_id} does not document status {status}"
    return declared["content"]["application/json"]["schema"]


def problems(document: dict[str, Any], schema: dict[str, Any], value: Any, at: str = "$") -> list:
    """Every way ``value`` breaks ``schema``; empty when it fits."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return problems(document, document["components"]["schemas"][name], value, at)
    if "anyOf" in schema or "oneOf" in schema:
        options = schema.get("anyOf") or schema["oneOf"]
        found = [problems(document, option, value, at) for option in options]
        return [] if any(not each for each in found) else [f"{at}: fits no option: {found}"]
    if "allOf" in schema:
        return [p for part in schema["allOf"] for p in problems(document, part, value, at)]
    errors: list[str] = []
    kind = schema.get("type")
    if kind is not None:
        allowed = _TYPES[kind]
        if not isinstance(value, allowed) or (kind != "boolean" and isinstance(value, bool)):
            return [f"{at}: {value!r} is not of type {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{at}: {value!r} not in {schema['enum']}")
    if schema.get("format") == "date-time" and isinstance(value, str):
        try:
            if datetime.fromisoformat(value).tzinfo is None:
                errors.append(f"{at}: {value} has no offset")
        except ValueError:
            errors.append(f"{at}: {value} is not a date-time")
    if schema.get("format") == "date" and isinstance(value, str):
        try:
            date.fromisoformat(value)
        except ValueError:
            errors.append(f"{at}: {value} is not a date")
    if isinstance(value, dict) and (kind == "object" or "properties" in schema):
        properties = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{at}: missing {key}")
        for key, item in value.items():
            if key not in properties:
                if properties or schema.get("additionalProperties") is False:
                    errors.append(f"{at}: undocumented key {key}")
                continue
            errors += problems(document, properties[key], item, f"{at}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors += problems(document, schema["items"], item, f"{at}[{index}]")
    return errors


def assert_documented(document: dict[str, Any], operation_id: str, response: Any) -> None:
    """``response`` (a test client answer) fits what the document says of it."""
    schema = response_schema(document, operation_id, response.status_code)
    found = problems(document, schema, response.json())
    assert not found, found
