"""Fixtures shared by every app's tests: a small real slice of Kota Bekasi, its
police units and one user per role, built through the services."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from kamtibmas.accounts.middleware import SEEN_KEY, SIGNED_IN_KEY
from kamtibmas.accounts.models import Role, User
from kamtibmas.areas.models import Area, AreaKind, AreaLevel, UnitKind
from kamtibmas.areas.services import area_create, area_rw_get_or_create, unit_create
from kamtibmas.privacy.redaction import identifiers_in, record_text

#: Django's own ``Client._login``, which ``force_login`` and ``login`` call.
CLIENT_LOGIN = Client._login  # type: ignore[attr-defined]


def _login_past_second_factor(self, user, backend=None):
    """A test client's ``force_login``/``login``: signed in and past the staff second
    factor, as after the code page. ``kamtibmas.accounts.tests`` test the real way in."""
    CLIENT_LOGIN(self, user, backend)
    session = self.session
    session[DEVICE_ID_SESSION_KEY] = "tests.force_login"
    session[SIGNED_IN_KEY] = session[SEEN_KEY] = int(time.time())
    session.save()


@pytest.fixture(autouse=True)
def _staff_second_factor(request, monkeypatch):
    """Staff sessions need a second factor (KAMTIBMAS_STAFF_OTP, on in the test
    settings as in production). ``client.force_login`` counts as having passed it, and
    browser tests (a live server) sign in with the password alone unless they turn the
    setting back on."""
    monkeypatch.setattr(Client, "_login", _login_past_second_factor)
    if "live_server" in request.fixturenames:
        request.getfixturevalue("settings").KAMTIBMAS_STAFF_OTP = False


#: Opt-out of the log check below, for a test that logs personal data on purpose (to
#: test the redaction itself).
LOGS_PERSONAL_DATA = "logs_personal_data"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{LOGS_PERSONAL_DATA}: logs a NIK, KK or phone number on purpose (to test the "
        "redaction): exempt from the log check of every test",
    )


#: Fixtures through which a test reaches the database (pytest-django's, and what
#: builds on them: ``item.fixturenames`` holds every fixture a test needs, directly
#: or not).
DATABASE_FIXTURES = frozenset({"db", "transactional_db", "django_db_setup", "live_server"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With ``KAMTIBMAS_TESTS_DATABASE_ONLY=1`` only the tests that reach the database
    run: CI runs the whole suite on SQLite, then again on PostgreSQL, where a test
    that never touches the database would only repeat itself."""
    if os.environ.get("KAMTIBMAS_TESTS_DATABASE_ONLY") != "1":
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        uses_database = any(
            item.get_closest_marker(name) for name in ("django_db", "postgres", "browser")
        ) or bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))
        (kept if uses_database else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(autouse=True)
def _logs_hold_no_identifiers(request: pytest.FixtureRequest) -> Iterator[None]:
    """SECURITY.md 5: no test, and so no code path it runs, logs a NIK, KK or phone
    number. Every record made while the test runs (its fixtures included, any logger,
    any thread) is read as it is made: the redacting filter of the logging settings
    rewrites records in place at the first handler, and ``django.server`` does not
    propagate, so a handler on the root logger would see clean text or nothing. What
    is found fails the test, at teardown, with the logger and the text."""
    if request.node.get_closest_marker(LOGS_PERSONAL_DATA):
        yield
        return
    found: list[str] = []
    make_record = logging.getLogRecordFactory()

    def read_as_made(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if identifiers := identifiers_in(record_text(record)):
            found.append(f"{record.name} {record.levelname}: {identifiers} in {record.msg!r}")
        return record

    logging.setLogRecordFactory(read_as_made)
    try:
        yield
    finally:
        logging.setLogRecordFactory(make_record)
    if found:
        pytest.fail(
            "A NIK, KK or phone number was logged (SECURITY.md 5); log ids, not the "
            "numbers:\n" + "\n".join(found),
            pytrace=False,
        )


def make_user(username: str, role: Role, unit=None, **extra) -> User:
    user = User.objects.create_user(
        username=username, password="correct horse battery", role=role, unit=unit, **extra
    )
    return user


@pytest.fixture
def bekasi(db) -> SimpleNamespace:
    """Jawa Barat > Kota Bekasi > two kecamatan, their police and one user per role."""
    jabar = area_create(
        code="32", name="Jawa Barat", level=AreaLevel.PROVINCE, kind=AreaKind.PROVINSI, parent=None
    )
    kota = area_create(
        code="32.75", name="Kota Bekasi", level=AreaLevel.REGENCY, kind=AreaKind.KOTA, parent=jabar
    )
    selatan = area_create(
        code="32.75.04",
        name="Bekasi Selatan",
        level=AreaLevel.DISTRICT,
        kind=AreaKind.KECAMATAN,
        parent=kota,
    )
    timur = area_create(
        code="32.75.01",
        name="Bekasi Timur",
        level=AreaLevel.DISTRICT,
        kind=AreaKind.KECAMATAN,
        parent=kota,
    )
    kayuringin = area_create(
        code="32.75.04.1005",
        name="Kayuringin Jaya",
        level=AreaLevel.VILLAGE,
        kind=AreaKind.KELURAHAN,
        parent=selatan,
    )
    margahayu = area_create(
        code="32.75.01.1002",
        name="Margahayu",
        level=AreaLevel.VILLAGE,
        kind=AreaKind.KELURAHAN,
        parent=timur,
    )
    rw024 = area_rw_get_or_create(village=kayuringin, number=24)

    polda = unit_create(name="Polda Metro Jaya", kind=UnitKind.POLDA, coverage=[kota])
    polres = unit_create(
        name="Polres Metro Bekasi Kota", kind=UnitKind.POLRES, parent=polda, coverage=[kota]
    )
    polsek_selatan = unit_create(
        name="Polsek Bekasi Selatan",
        kind=UnitKind.POLSEK,
        parent=polres,
        coverage=[selatan],
        area=selatan,
    )
    polsek_timur = unit_create(
        name="Polsek Bekasi Timur",
        kind=UnitKind.POLSEK,
        parent=polres,
        coverage=[timur],
        area=timur,
    )
    post_kayuringin = unit_create(
        name="Pos Polisi Kayuringin",
        kind=UnitKind.POST,
        parent=polsek_selatan,
        coverage=[kayuringin],
        area=kayuringin,
        latitude=-6.2476,
        longitude=106.9942,
    )
    post_margahayu = unit_create(
        name="Pos Polisi Margahayu",
        kind=UnitKind.POST,
        parent=polsek_timur,
        coverage=[margahayu],
        area=margahayu,
        latitude=-6.2520,
        longitude=107.0120,
    )
    return SimpleNamespace(
        jabar=jabar,
        kota=kota,
        selatan=selatan,
        timur=timur,
        kayuringin=kayuringin,
        margahayu=margahayu,
        rw024=rw024,
        polda=polda,
        polres=polres,
        polsek_selatan=polsek_selatan,
        polsek_timur=polsek_timur,
        post_kayuringin=post_kayuringin,
        post_margahayu=post_margahayu,
        officer_selatan=make_user("bhabin.selatan", Role.COMMUNITY_OFFICER, polsek_selatan),
        officer_timur=make_user("bhabin.timur", Role.COMMUNITY_OFFICER, polsek_timur),
        commander_polres=make_user("kapolres", Role.COMMANDER, polres, is_staff=True),
        commander_selatan=make_user(
            "kapolsek.selatan", Role.COMMANDER, polsek_selatan, is_staff=True
        ),
        commander_timur=make_user("kapolsek.timur", Role.COMMANDER, polsek_timur, is_staff=True),
        admin=make_user("admin", Role.ADMIN, None, is_staff=True),
        resident=make_user("warga", Role.RESIDENT, None),
    )


def area_by_code(code: str) -> Area:
    return Area.objects.get(code=code)
