"""The REST API fuzzed against its own OpenAPI document with Schemathesis (issue 6):
for every operation, requests generated from the document (valid ones and broken
ones) never get a 5xx, and every answer fits what the document declares (status,
content type, headers, body schema).

The requests go through the WSGI application in this process, inside the test's
transaction, as a desk officer of a small but populated Kota Bekasi: dialogues,
aspirations and follow-ups exist, so generated ids sometimes hit real records.

Examples are derandomised so that CI is repeatable; ``KAMTIBMAS_FUZZ_EXAMPLES``
raises their number per operation (default 25) for a longer local run, and
``KAMTIBMAS_FUZZ_RANDOM=1`` draws new ones each run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis import checks as st_checks
from schemathesis.specs.openapi import checks as openapi_checks

from kamtibmas.accounts.models import Role
from kamtibmas.accounts.services import api_token_issue
from kamtibmas.api.v1 import api
from kamtibmas.aspirations.models import Privacy
from kamtibmas.aspirations.services import aspiration_submit
from kamtibmas.conftest import make_user
from kamtibmas.engagements.models import DialogueType
from kamtibmas.engagements.services import dialogue_plan

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("KAMTIBMAS_FUZZ_EXAMPLES", "25"))
RANDOM = os.environ.get("KAMTIBMAS_FUZZ_RANDOM") == "1"

# What must hold of every answer. Not "positive data acceptance": a request that fits
# the document may still be refused by a rule (a dialogue planned in the past, an id
# of another unit's record), and that refusal is documented as 404 or 422.
CHECKS = [
    st_checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
]


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """The production WSGI handler, kept from closing the test's database connection
    at the end of each request (what Django's test client does too)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def desk_token(bekasi) -> str:
    """A desk officer's token, with records of the unit for generated ids to find."""
    desk = make_user("spkt.fuzz", Role.DESK_OFFICER, bekasi.polsek_selatan)
    start = timezone.now() + timedelta(days=3)
    dialogue_plan(
        actor=bekasi.officer_selatan,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi Kamtibmas RW 024",
        area=bekasi.kayuringin,
        unit=bekasi.polsek_selatan,
        venue_name="Balai RW 024",
        planned_start=start,
        planned_end=start + timedelta(hours=2),
    )
    for text in (
        "Motor saya hilang di parkiran pasar semalam, mohon bantuan",
        "Ada balap liar tiap malam minggu di jalan raya, warga resah",
    ):
        aspiration_submit(text=text, area=bekasi.kayuringin, privacy=Privacy.PUBLIC, source="web")
    _token, raw = api_token_issue(user=desk, name="fuzz")
    return raw


# The document /api/v1/openapi.json serves (test_openapi checks what it says).
schema = schemathesis.openapi.from_dict(api.get_openapi_schema())


@schema.hook
def filter_query(context: object, query: dict[str, object] | None) -> bool:
    """A query string holds text: an object or a list "in a query parameter" reaches
    the server as nothing at all (the parameter is absent, which is valid), so
    Schemathesis would call its acceptance a failure."""
    return not query or not any(isinstance(value, dict | list) for value in query.values())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=not RANDOM,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_document(case, wsgi_app, desk_token):
    cache.clear()  # the public operations' rate limits would answer 429 to the rest
    case.call_and_validate(
        headers={"Authorization": f"Bearer {desk_token}", "Accept-Language": "id"},
        checks=CHECKS,
        app=wsgi_app,
    )
