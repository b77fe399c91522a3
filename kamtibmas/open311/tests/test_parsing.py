"""The strict readers: any bytes give pairs or a 400, never another exception; the
attribute checks and the date window hold for any input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamtibmas.aspirations.models import Aspiration
from kamtibmas.open311.catalogue import SERVICES, AnswerError, answer_check
from kamtibmas.open311.parsing import Fields, Open311Error, pairs_from_bytes, window

NOW = datetime(2025, 7, 31, 3, 10, tzinfo=UTC)


@given(st.binary(max_size=300))
def test_any_bytes_give_pairs_or_a_400(raw):
    try:
        pairs = pairs_from_bytes(raw, where="body")
    except Open311Error as exc:
        assert exc.status == 400 and exc.messages
    else:
        assert all(isinstance(n, str) and isinstance(v, str) for n, v in pairs)
        assert all("\x00" not in n + v for n, v in pairs)


@given(st.lists(st.tuples(st.text(min_size=1), st.text()), max_size=20))
def test_well_formed_forms_read_back_exactly(pairs):
    pairs = [(n, v) for n, v in pairs if "\x00" not in n + v and "\ufffd" not in n + v]

    assert pairs_from_bytes(urlencode(pairs).encode(), where="body") == pairs


def test_too_many_fields_are_refused():
    with pytest.raises(Open311Error):
        pairs_from_bytes(b"&".join(b"a=1" for _ in range(201)), where="body")


@given(st.lists(st.text(max_size=30), max_size=4))
def test_answers_are_cleaned_or_refused_for_every_attribute(values):
    for service in SERVICES.values():
        for attribute in service.attributes:
            try:
                cleaned = answer_check(attribute, values)
            except AnswerError as exc:
                assert str(exc)
                continue
            assert len(cleaned) <= max(1, len(values))
            if attribute.values:
                assert set(cleaned) <= {key for key, _name in attribute.values}


@given(
    start=st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))),
    end=st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))),
)
def test_a_window_is_at_most_90_days_and_in_order(start, end):
    given = (("start_date", start), ("end_date", end))
    fields = Fields.of([(name, value.isoformat()) for name, value in given if value])
    try:
        found = window(fields, now=NOW)
    except Open311Error as exc:
        assert exc.status == 400
        return
    assert found.since <= found.until <= found.since + timedelta(days=90)
    if start is not None:
        assert found.since == start
    if end is not None:
        assert found.until == end


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=st.text(max_size=80), body=st.binary(max_size=200))
def test_no_input_makes_the_endpoint_fail(o311, api, query, body):
    read = api.get("requests.json", query.encode("utf-8", "surrogatepass").decode("latin-1"))
    posted = api.post("requests.xml", body + b"&" + urlencode({"api_key": o311.raw_key}).encode())

    assert read.status_code in (200, 400)
    assert 400 <= posted.status_code < 500 or posted.status_code == 200
    if posted.status_code != 200:
        assert not Aspiration.objects.exists()
