"""Random input against every write endpoint: never a 5xx, never an answer outside
the OpenAPI document (SECURITY.md 21, 22). A small, dependency-free stand-in for a
schemathesis run: bodies are random JSON, or the documented fields with random
values."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamtibmas.api.tests.client import api_client, send
from kamtibmas.api.tests.openapi_check import assert_documented, openapi_document

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)
IDS = st.sampled_from(["{d}", "0", "999999999", str(2**70)])


def _writes(document: dict[str, Any]) -> list[tuple[str, str, str, list[str]]]:
    """(operation id, method, path, documented body fields) of every engagements write
    (other apps fuzz their own endpoints)."""
    found = []
    for path, methods in document["paths"].items():
        if not path.startswith("/api/v1/engagements"):
            continue
        for method, operation in methods.items():
            if method == "get":
                continue
            fields: list[str] = []
            body = operation.get("requestBody")
            if body:
                name = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
                fields = sorted(document["components"]["schemas"][name]["properties"])
            found.append((operation["operationId"], method, path, fields))
    return sorted(found)


DOCUMENT: dict[str, Any] = {}


def _document() -> dict[str, Any]:
    if not DOCUMENT:
        DOCUMENT.update(openapi_document())
    return DOCUMENT


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_input_never_breaks_a_write_endpoint(bekasi, ngopi, data):
    document = _document()
    operation_id, method, path, fields = data.draw(st.sampled_from(_writes(document)))
    if fields and data.draw(st.booleans()):
        keys = data.draw(st.lists(st.sampled_from(fields), unique=True))
        body: Any = {key: data.draw(JSON) for key in keys}
    else:
        body = data.draw(JSON)
    url = path
    for name in ("{dialogue_id}", "{official_id}", "{follow_up_id}"):
        url = url.replace(name, data.draw(IDS).replace("{d}", str(ngopi.pk)))
    url = url.replace("{code}", data.draw(st.sampled_from(["narkoba", "x", "%20"])))
    client = api_client(bekasi.officer_selatan)

    response = send(client, method, url, body)

    assert response.status_code < 500, (method, url, body, response.content)
    if response.status_code != 204:
        assert_documented(document, operation_id, response)


@pytest.mark.parametrize("path", ["/api/v1/engagements/{}", "/api/v1/engagements/{}/topics"])
def test_ids_beyond_any_integer_column_are_404(bekasi, path):
    response = api_client(bekasi.officer_selatan).get(path.format(2**70))

    assert response.status_code == 404


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    query=st.dictionaries(
        st.sampled_from(["area", "type", "status", "from", "to", "limit", "cursor", "other"]),
        st.text(max_size=40),
        max_size=4,
    )
)
def test_random_filters_never_break_the_list(bekasi, ngopi, query):
    response = api_client(bekasi.officer_selatan).get("/api/v1/engagements", query)

    assert response.status_code in {200, 400, 422}, (query, response.content)
    assert_documented(_document(), "DialogueList", response)
