"""Who a client is for the throttles (``core.throttle``): the peer's address, or
behind a proxy the address the proxy names, never a header a client could forge."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from kamtibmas.core.throttle import Limit, client_key, throttle_allow

PROXY = "127.0.0.1"
RESIDENT, NEIGHBOUR = "203.0.113.10", "198.51.100.20"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def through(peer: str, real_ip: str | None = None):
    request = RequestFactory().get("/track/", REMOTE_ADDR=peer)
    if real_ip:
        request.META["HTTP_X_REAL_IP"] = real_ip
    return request


def test_behind_a_proxy_each_resident_is_counted_on_their_own(settings):
    settings.KAMTIBMAS_BEHIND_PROXY = True
    per_client, overall = Limit(3, 60), Limit(100, 60)

    for _ in range(3):
        assert throttle_allow(
            scope="t", request=through(PROXY, RESIDENT), per_client=per_client, overall=overall
        )
    assert not throttle_allow(
        scope="t", request=through(PROXY, RESIDENT), per_client=per_client, overall=overall
    )
    # The neighbour behind the same proxy still gets in.
    assert throttle_allow(
        scope="t", request=through(PROXY, NEIGHBOUR), per_client=per_client, overall=overall
    )
    assert client_key(through(PROXY, RESIDENT)) != client_key(through(PROXY, NEIGHBOUR))
    # A request reaching the app without the proxy's header is the peer itself.
    assert client_key(through(PROXY)) == client_key(through(PROXY, PROXY))


def test_without_a_proxy_the_header_is_ignored(settings):
    """A client talking to the app directly could write any X-Real-IP: changing it
    must not give a fresh allowance."""
    settings.KAMTIBMAS_BEHIND_PROXY = False
    per_client, overall = Limit(3, 60), Limit(100, 60)

    for n in range(3):
        assert throttle_allow(
            scope="t", request=through(RESIDENT, f"10.0.0.{n}"), per_client=per_client,
            overall=overall,
        )  # fmt: skip
    assert not throttle_allow(
        scope="t", request=through(RESIDENT, "10.0.0.99"), per_client=per_client, overall=overall
    )
    assert client_key(through(RESIDENT, "10.0.0.1")) == client_key(through(RESIDENT))
