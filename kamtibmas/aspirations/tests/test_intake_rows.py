"""``core.rows.row_insert`` writes what ``save()`` writes, on the intake's own models."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models.signals import post_save, pre_save

from kamtibmas.aspirations.models import Aspiration, AspirationUpdate
from kamtibmas.core.rows import row_insert
from kamtibmas.notifications.models import OutboxMessage
from kamtibmas.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)


def _stored(model, pk):
    """Every concrete column of the row as the ORM reads it back (decrypted)."""
    row = model.objects.get(pk=pk)
    return {field.attname: getattr(row, field.attname) for field in model._meta.concrete_fields}


def test_a_case_written_by_row_insert_reads_back_as_one_saved_by_the_orm(submit):
    original = submit(reporter_email="budi@example.test").aspiration
    copy = Aspiration.objects.get(pk=original.pk)
    copy.pk = None
    copy._state.adding = True
    copy.number, copy.receipt_digest = "ASP-COPY-0001", "f" * 64

    assert row_insert(copy) is True

    assert copy.pk is not None and copy.pk != original.pk
    assert not copy._state.adding
    saved, inserted = _stored(Aspiration, original.pk), _stored(Aspiration, copy.pk)
    for column in ("id", "number", "receipt_digest"):
        saved.pop(column), inserted.pop(column)
    assert inserted == saved
    assert inserted["reporter_phone"] == "+6281234567890"  # encrypted, and read back


def test_defaults_and_auto_now_add_are_filled_as_save_fills_them(submit):
    case = submit().aspiration
    update = AspirationUpdate(aspiration=case, kind="note", author_kind="staff", text="x")
    update.created_at = case.received_at

    row_insert(update)

    stored = AspirationUpdate.objects.get(pk=update.pk)
    assert (stored.text, stored.is_public, stored.created_at) == ("x", False, case.received_at)


def test_a_conflict_is_skipped_and_the_transaction_stays_usable(submit):
    case = submit().aspiration
    twin = Aspiration.objects.get(pk=case.pk)
    twin.pk = None
    twin._state.adding = True
    twin.receipt_digest = "e" * 64  # the number is the same

    with transaction.atomic():
        assert row_insert(twin, on_conflict_skip=True) is False
        assert twin.pk is None
        # No savepoint was needed: the transaction still works (PostgreSQL aborts a
        # transaction on an unskipped unique violation).
        twin.number = "ASP-TWIN-0001"
        assert row_insert(twin, on_conflict_skip=True) is True
    assert Aspiration.objects.filter(number__in=[case.number, "ASP-TWIN-0001"]).count() == 2


def test_outbox_rows_with_a_uuid_key_report_conflicts_too():
    first = OutboxMessage(
        channel="sms", recipient="+6281234567890", subject="s", body="b", dedupe_key="k:1"
    )
    again = OutboxMessage(
        channel="sms", recipient="+6281234567890", subject="s", body="b", dedupe_key="k:1"
    )

    assert row_insert(first, on_conflict_skip=True) is True
    assert row_insert(again, on_conflict_skip=True) is False
    assert OutboxMessage.objects.get(dedupe_key="k:1").pk == first.pk


def test_a_model_with_its_own_save_is_refused():
    with pytest.raises(ImproperlyConfigured, match="own save"):
        row_insert(AuditEntry(action="view"))


def test_save_signals_are_sent_as_save_sends_them(submit):
    case = submit().aspiration
    seen = []

    def before(sender, instance, **kwargs):
        seen.append(("pre", instance.pk, kwargs["raw"]))
        instance.text = "set by a pre_save receiver"

    def after(sender, instance, created, **kwargs):
        seen.append(("post", instance.pk is not None, created))

    pre_save.connect(before, sender=AspirationUpdate, weak=False)
    post_save.connect(after, sender=AspirationUpdate, weak=False)
    try:
        update = AspirationUpdate(
            aspiration=case, kind="note", author_kind="staff", created_at=case.received_at
        )
        row_insert(update)
    finally:
        pre_save.disconnect(before, sender=AspirationUpdate)
        post_save.disconnect(after, sender=AspirationUpdate)

    assert seen == [("pre", None, False), ("post", True, True)]
    assert AspirationUpdate.objects.get(pk=update.pk).text == "set by a pre_save receiver"
