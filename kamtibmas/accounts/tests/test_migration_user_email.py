"""Email addresses stored before they were encrypted are encrypted by the migration,
and decrypted again when it is reversed."""

from __future__ import annotations

import pytest
from django.db import connection

from kamtibmas.accounts.models import User
from kamtibmas.core.tests.migrate import migrate, migrate_to_the_end

BEFORE = [("accounts", "0002_apitoken_expiry_and_scopes")]
AFTER = [("accounts", "0003_user_email_encrypted")]


def stored() -> dict[str, str | None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT username, email FROM accounts_user ORDER BY username")
        return dict(cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_existing_addresses_are_encrypted_and_decrypted_back():
    executor = migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("accounts", "User")
    old.objects.create(username="ada", role="admin", email="ada@polri.go.id")
    old.objects.create(username="tanpa", role="admin", email="")
    try:
        migrate(AFTER)
        raw = stored()
        assert raw["tanpa"] is None
        assert raw["ada"] and "ada" not in raw["ada"] and "polri" not in raw["ada"]
        assert User.objects.get(username="ada").email == "ada@polri.go.id"
        assert User.objects.get(username="tanpa").email is None

        migrate(BEFORE)
        assert stored() == {"ada": "ada@polri.go.id", "tanpa": ""}
    finally:
        migrate_to_the_end()
    assert User.objects.get(username="ada").email == "ada@polri.go.id"
