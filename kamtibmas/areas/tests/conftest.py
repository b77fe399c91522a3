"""Fixtures of the areas tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from django.db import connection, transaction

from kamtibmas.areas.services import RegistryLoadResult, area_registry_load


@pytest.fixture(scope="module")
def full_registry(django_db_setup, django_db_blocker) -> Iterator[RegistryLoadResult]:
    """The whole Kemendagri registry (~91,000 areas), loaded once for the module using it.

    Other tests build small hand-made slices with the same codes (``bekasi`` in
    ``kamtibmas/conftest.py``), so the registry must never outlive its module: it is
    loaded inside a transaction that is rolled back when the module is done. Tests
    using it also request ``db`` and each runs in a savepoint inside that
    transaction, so what one test writes is gone before the next.
    Only ``test_load_areas.py`` uses it; a module-scoped load is once per session.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            result = area_registry_load()
            # Check the deferred foreign keys now, once: PostgreSQL would otherwise
            # re-run all ~360,000 checks in every test's savepoint teardown.
            connection.check_constraints()
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    try:
        yield result
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
