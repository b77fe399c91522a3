"""Cases stored before the reporter's phone had a blind index get one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kamtibmas.aspirations.models import Aspiration
from kamtibmas.core.tests.migrate import migrate, migrate_to_the_end
from kamtibmas.privacy.blind_index import blind_index

BEFORE = [("aspirations", "0005_redundant_fk_indexes")]
AFTER = [("aspirations", "0006_reporter_phone_index")]


@pytest.mark.django_db(transaction=True)
def test_stored_phones_are_indexed(bekasi):
    executor = migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Case = old.get_model("aspirations", "Aspiration")
    moment = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    for number, phone in (("ASP-1", "0812-3456-7890"), ("ASP-2", None), ("ASP-3", "bukan")):
        Case.objects.create(
            number=number,
            text="Lampu jalan mati",
            area_id=bekasi.rw024.pk,
            privacy="confidential",
            source="web",
            reporter_phone=phone,
            receipt_digest=blind_index("test", number),
            unit_id=bekasi.polsek_selatan.pk,
            assigned_unit_id=bekasi.polsek_selatan.pk,
            received_at=moment,
            updated_at=moment,
        )
    try:
        migrate(AFTER)
        indexes = dict(Aspiration.objects.values_list("number", "reporter_phone_index"))
        assert indexes == {
            "ASP-1": blind_index("phone", "+6281234567890"),
            "ASP-2": None,
            "ASP-3": None,
        }
    finally:
        migrate_to_the_end()
