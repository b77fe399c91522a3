import logging

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from kamtibmas.core.scope import visible_to
from kamtibmas.privacy.models import AppendOnlyError, AuditAction, AuditEntry
from kamtibmas.privacy.redaction import RedactIdentifiersFilter, redact
from kamtibmas.privacy.services import audit_record


def test_audit_record_names_who_what_and_why(bekasi):
    entry = audit_record(
        actor=bekasi.officer_selatan,
        action=AuditAction.READ,
        subject=bekasi.commander_timur,
        fields=["phone"],
        reason="Menghubungi Kapolsek",
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor == bekasi.officer_selatan
    assert stored.actor_unit == bekasi.polsek_selatan
    assert (stored.subject_type, stored.subject_id) == (
        "accounts.user",
        str(bekasi.commander_timur.pk),
    )
    assert stored.fields == ["phone"] and stored.reason == "Menghubungi Kapolsek"


def test_audit_needs_a_reason(bekasi):
    with pytest.raises(ValueError):
        audit_record(actor=bekasi.admin, action="export", subject=bekasi.resident, reason=" ")


def test_audit_log_is_append_only_in_the_orm(bekasi):
    entry = audit_record(actor=bekasi.admin, action="read", subject=bekasi.resident, reason="x")
    entry.reason = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().update(reason="y")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_audit_log_is_append_only_in_the_database(bekasi):
    entry = audit_record(actor=bekasi.admin, action="read", subject=bekasi.resident, reason="x")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE privacy_auditentry SET reason = 'forged' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).reason == "x"


def test_audit_entries_are_scoped_to_the_actor_unit(bekasi):
    audit_record(actor=bekasi.officer_selatan, action="read", subject=bekasi.resident, reason="a")
    audit_record(actor=bekasi.officer_timur, action="read", subject=bekasi.resident, reason="b")
    assert [e.reason for e in visible_to(AuditEntry.objects.all(), bekasi.commander_selatan)] == [
        "a"
    ]
    assert sorted(
        e.reason for e in visible_to(AuditEntry.objects.all(), bekasi.commander_polres)
    ) == ["a", "b"]


@pytest.mark.parametrize(
    "text",
    [
        "NIK 3275047107850003 tidak cocok",
        "nomor 3275 0471 0785 0003",
        "hubungi 0812-3456-7890",
        "hubungi +6281234567890 segera",
        "wa 6281234567890",
    ],
)
def test_redaction_removes_identifiers(text):
    cleaned = redact(text)
    assert "[disamarkan]" in cleaned
    for digits in ("3275047107850003", "81234567890", "3456"):
        assert digits not in cleaned.replace(" ", "").replace("-", "")


def test_redaction_leaves_ordinary_numbers():
    assert redact("RT 001/RW 024, 30 warga, pukul 10.10") == "RT 001/RW 024, 30 warga, pukul 10.10"


def test_log_records_are_redacted_including_tracebacks(caplog):
    logger = logging.getLogger("kamtibmas.test")
    logger.addFilter(RedactIdentifiersFilter())
    try:
        with caplog.at_level(logging.INFO, logger="kamtibmas.test"):
            logger.info("lookup %s", "3275047107850003")
            try:
                raise ValueError("bad NIK 3275047107850003")
            except ValueError:
                logger.exception("failed for %s", "081234567890")
    finally:
        logger.filters.clear()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "3275047107850003" not in text and "081234567890" not in text
    assert "[disamarkan]" in text


def test_postgres_refuses_delete_of_audit_rows(bekasi):
    if connection.vendor != "postgresql":
        pytest.skip(
            "DELETE is refused by a trigger on PostgreSQL only (decision 003); "
            "set DATABASE_URL to a PostgreSQL database to run this"
        )
    entry = audit_record(actor=bekasi.admin, action="read", subject=bekasi.resident, reason="x")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM privacy_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
