"""The demo, built once for every module of this package."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from django.db import connection, transaction

from kamtibmas.areas.services import area_registry_load
from kamtibmas.core.tests.demo import run_demo_steps


@pytest.fixture(scope="package", autouse=True)
def demo(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The whole Kemendagri registry and every demo step, once for the package.

    Built inside a transaction that is rolled back when the package is done: other
    tests build small slices with the same area codes (``bekasi`` in
    ``kamtibmas/conftest.py``), so the demo must never outlive this package. Each
    test requests ``db`` and runs in a savepoint inside that transaction, so what
    one test writes (a second run of the demo, a press-release draft) is gone before
    the next. One build instead of one per module: it takes seconds (CI's costliest
    setup when each of seven modules built its own).
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            area_registry_load()
            run_demo_steps()
            # The deferred foreign keys checked now, once: PostgreSQL would otherwise
            # re-run every check in each test's savepoint teardown.
            connection.check_constraints()
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _in_a_savepoint(db) -> None:
    """Every test of the package runs in its own savepoint inside the demo's
    transaction (pytest-django's ``db``)."""
