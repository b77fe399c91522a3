"""The OpenAPI document (§6): at /api/v1/openapi.json, titled, every operation
authenticated (but the public ones of §6) and documenting the error shape
(SECURITY.md 21)."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from kamtibmas.api.errors import ERROR_STATUSES
from kamtibmas.api.tests.openapi_check import openapi_document

pytestmark = pytest.mark.django_db

# §6: the triage suggestion and tracking by receipt code need no token.
PUBLIC_OPERATIONS = {
    "TriageSuggest",
    "AspirationTrack",
    "AspirationTrackMessageCreate",
    "LossReportItemTypeList",
    "CertificateVerify",
}


def test_document_names_the_api_and_its_version():
    document = openapi_document()

    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Kamtibmas API"
    assert document["info"]["version"] == "1"
    for topic in ("Authorization: Bearer", "Accept-Language", "+07:00", "cursor"):
        assert topic in document["info"]["description"]


def test_every_staff_operation_needs_the_bearer_token_and_documents_every_error():
    document = openapi_document()

    assert document["components"]["securitySchemes"] == {
        "StaffToken": {"type": "http", "scheme": "bearer"}
    }
    operations = [
        (path, method, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    assert operations
    for path, method, operation in operations:
        if operation["operationId"] in PUBLIC_OPERATIONS:
            assert "security" not in operation, (path, method)
        else:
            assert operation["security"] == [{"StaffToken": []}], (path, method)
        for status in ERROR_STATUSES:
            schema = operation["responses"][str(status)]["content"]["application/json"]
            assert schema["schema"] == {"$ref": "#/components/schemas/ErrorOut"}, (path, method)


def test_operation_ids_are_unique_entity_verb_names():
    document = openapi_document()

    ids = [
        operation["operationId"]
        for methods in document["paths"].values()
        for operation in methods.values()
    ]
    assert len(ids) == len(set(ids))
    assert all(name[0].isupper() and name.isalnum() for name in ids), ids


def test_request_bodies_refuse_unknown_fields():
    document = openapi_document()

    for methods in document["paths"].values():
        for operation in methods.values():
            body = operation.get("requestBody")
            if body is None or "application/json" not in body["content"]:
                continue  # uploads (multipart/form-data) carry files, not JSON fields
            name = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
            assert document["components"]["schemas"][name]["additionalProperties"] is False, name


def test_the_document_is_valid_openapi():
    """Checked by openapi-spec-validator against the OpenAPI meta-schema of its
    version (3.1 from Django Ninja), with every reference resolved."""
    document = openapi_document()

    validate(document)

    assert document["openapi"].startswith("3.1")
