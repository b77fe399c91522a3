"""Tokens issued before expiry and scopes existed keep working after the migration."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from kamtibmas.core.tests.migrate import migrate_to_the_end

BEFORE = [("accounts", "0001_initial")]
AFTER = [("accounts", "0002_apitoken_expiry_and_scopes")]


@pytest.mark.django_db(transaction=True)
def test_existing_tokens_get_every_scope_and_the_default_lifetime(settings):
    settings.KAMTIBMAS_API_TOKEN_DAYS = 90
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    user = old.get_model("accounts", "User").objects.create(username="lama", role="admin")
    old.get_model("accounts", "ApiToken").objects.create(
        user=user, prefix="kmt_abcd", digest="0" * 64
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    token = new.get_model("accounts", "ApiToken").objects.get(digest="0" * 64)
    assert token.scopes == "intake read write"
    lifetime = token.expires_at - timezone.now()
    assert datetime.timedelta(days=89) < lifetime <= datetime.timedelta(days=90)
    migrate_to_the_end()
