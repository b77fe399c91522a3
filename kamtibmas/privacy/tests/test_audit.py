import logging

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from kamtibmas.core.scope import visible_to
from kamtibmas.privacy.models import AppendOnlyError, AuditAction, AuditEntry
from kamtibmas.privacy.redaction import RedactIdentifiersFilter, redact
from kamtibmas.privacy.services import audit_record


def test_security_5_audit_record_names_who_what_and_why(bekasi):
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
    ("text", "secret"),
    [
        ("NIK 3275047107850003 tidak cocok", "3275047107850003"),
        ("nomor 3275 0471 0785 0003", "0785 0003"),
        ("KK 3275-0401-0120-0005", "0120-0005"),
        ("hubungi 0812-3456-7890", "3456-7890"),
        ("hubungi +6281234567890 segera", "81234567890"),
        ("wa 6281234567890", "81234567890"),
        ("telp 0812.3456.7890", "3456.7890"),
        ("telp +62 (812) 3456-7890", "3456-7890"),
        ("kantor 021-5551234", "5551234"),
        ("kantor (021) 555 1234", "555 1234"),
        ("tersimpan +62215551234", "215551234"),
    ],
)
def test_redaction_removes_identifiers(text, secret):
    cleaned = redact(text)
    assert "[disamarkan]" in cleaned
    assert secret not in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "RT 001/RW 024, 30 warga, pukul 10.10",
        "wilayah 32.75.04.1005.024.001 dibuat",
        "2025-07-31 03:10:00+00:00 permintaan selesai dalam 0.125 s",
        "91219 wilayah, 83441 desa",
    ],
)
def test_redaction_leaves_ordinary_numbers_and_area_codes(text):
    assert redact(text) == text


@pytest.mark.logs_personal_data
def test_log_records_are_redacted_including_tracebacks(caplog):
    logger = logging.getLogger("kamtibmas.test")
    logger.addFilter(RedactIdentifiersFilter())
    try:
        with caplog.at_level(logging.INFO, logger="kamtibmas.test"):
            logger.info("lookup %s", "3275047107850003")
            try:
                raise ValueError("bad NIK 3275047107850003, 10% done")
            except ValueError:
                logger.exception("Internal Server Error: %s", "/staff/?tel=081234567890")
    finally:
        logger.filters.clear()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "3275047107850003" not in text and "081234567890" not in text
    assert "[disamarkan]" in text and "10% done" in text
    assert all(r.exc_info is None and r.args is None for r in caplog.records)


@pytest.mark.logs_personal_data
def test_django_request_errors_reach_the_log_redacted(client, db, settings, capfd):
    """The real configuration: a 500 logged by django.request through our handler."""
    import logging.config

    logging.config.dictConfig(settings.LOGGING)
    settings.ROOT_URLCONF = "kamtibmas.privacy.tests.explode_urls"
    client.raise_request_exception = False
    assert client.get("/explode-for-test").status_code == 500
    err = capfd.readouterr().err
    assert "Internal Server Error: /explode-for-test" in err
    assert "RuntimeError" in err and "[disamarkan]" in err
    assert "3456-7890" not in err


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
