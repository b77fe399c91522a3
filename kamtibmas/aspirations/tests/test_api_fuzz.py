"""Random input against every aspirations endpoint: never a 5xx, never an answer
outside the OpenAPI document (SECURITY.md 21, 22). A small, dependency-free stand-in
for a schemathesis run: bodies are random JSON, or the documented fields with random
values; query strings are random text."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
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
PREFIXES = ("/api/v1/aspirations", "/api/v1/triage", "/api/v1/track")
DOCUMENT: dict[str, Any] = {}


def _document() -> dict[str, Any]:
    if not DOCUMENT:
        DOCUMENT.update(openapi_document())
    return DOCUMENT


def _writes(document: dict[str, Any]) -> list[tuple[str, str, str, list[str]]]:
    """(operation id, method, path, documented JSON body fields) of every write."""
    found = []
    for path, methods in document["paths"].items():
        if not path.startswith(PREFIXES):
            continue
        for method, operation in methods.items():
            if method == "get":
                continue
            fields: list[str] = []
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                name = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
                fields = sorted(document["components"]["schemas"][name]["properties"])
            found.append((operation["operationId"], method, path, fields))
    return sorted(found)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_input_never_breaks_a_write_endpoint(c2, submit, data):
    cache.clear()
    document = _document()
    case = submit()
    operation_id, method, path, fields = data.draw(st.sampled_from(_writes(document)))
    if fields and data.draw(st.booleans()):
        keys = data.draw(st.lists(st.sampled_from(fields), unique=True))
        body: Any = {key: data.draw(JSON) for key in keys}
    else:
        body = data.draw(JSON)
    ids = st.sampled_from([str(case.aspiration.pk), "0", "999999999", str(2**70)])
    url = path.replace("{aspiration_id}", data.draw(ids))
    codes = st.sampled_from([case.receipt_code, "x", "%20", "0000-0000-0000-0000"])
    url = url.replace("{code}", data.draw(codes))
    user = data.draw(st.sampled_from([c2.officer_selatan, c2.resident, c2.partner_kelurahan]))
    extra = {}
    if data.draw(st.booleans()):
        extra["HTTP_IDEMPOTENCY_KEY"] = data.draw(st.text(max_size=10).filter(str.isprintable))

    response = send(api_client(user), method, url, body, **extra)

    assert response.status_code < 500, (method, url, body, response.content)
    assert_documented(document, operation_id, response)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    query=st.dictionaries(
        st.sampled_from(
            ["status", "category", "urgency", "area", "overdue", "mine", "q", "limit", "cursor"]
        ),
        st.text(max_size=40),
        max_size=4,
    )
)
def test_random_filters_never_break_the_list(c2, submit, query):
    submit()

    response = api_client(c2.officer_selatan).get("/api/v1/aspirations", query)

    assert response.status_code in {200, 400, 422}, (query, response.content)
    assert_documented(_document(), "AspirationList", response)


def test_ids_beyond_any_integer_column_are_404(c2):
    for path in ("/api/v1/aspirations/{}", "/api/v1/aspirations/{}/notes"):
        response = send(api_client(c2.officer_selatan), "GET", path.format(2**70))
        assert response.status_code in (404, 405)
