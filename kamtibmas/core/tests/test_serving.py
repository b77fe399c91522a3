"""Sizing the production server (``kamtibmas.core.serving``): pure functions."""

import pytest

from kamtibmas.core.serving import (
    Bind,
    bind_parse,
    connections_allowed,
    connections_needed,
    default_workers,
)


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("127.0.0.1:8000", "127.0.0.1", 8000),
        ("0.0.0.0:80", "0.0.0.0", 80),  # noqa: S104
        ("localhost:9000", "localhost", 9000),
        ("[::1]:8080", "::1", 8080),
        ("[::]", "::", 8000),
        ("::1", "::1", 8000),
        ("8001", "127.0.0.1", 8001),
        ("kamtibmas.internal", "kamtibmas.internal", 8000),
    ],
)
def test_bind_addresses_are_read_as_runserver_reads_them(text, host, port):
    assert bind_parse(text) == Bind(host=host, port=port)


@pytest.mark.parametrize(
    "text", ["", ":8000", "host:", "host:http", "host:0", "host:70000", "[::1"]
)
def test_bind_addresses_without_a_usable_host_or_port_are_refused(text):
    with pytest.raises(ValueError):
        bind_parse(text)


def test_a_bind_address_prints_as_it_is_typed():
    assert str(Bind(host="::1", port=8000)) == "[::1]:8000"
    assert str(Bind(host="127.0.0.1", port=8000)) == "127.0.0.1:8000"


def test_one_connection_per_thread_of_every_worker():
    assert connections_needed(workers=2, threads=4) == 8
    assert default_workers(2) == 2
    assert default_workers(0) == 1


def test_postgresql_leaves_the_server_its_slots_less_the_reserved_and_the_headroom():
    # PostgreSQL's defaults: 100 connections, 3 kept for superusers.
    assert connections_allowed(max_connections=100, reserved=3) == 87
    assert connections_allowed(max_connections=100, reserved=3, headroom=20) == 77
    assert connections_allowed(max_connections=10, reserved=3) == 0
