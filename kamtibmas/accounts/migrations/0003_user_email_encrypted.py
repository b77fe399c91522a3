"""Users' email addresses are encrypted at rest like every identifier (SECURITY.md 1,
issue 11 point 1). The column becomes text; the addresses already stored are
encrypted in place with the current field-encryption key, an empty one becomes NULL.
Reversible: backwards the addresses are decrypted into the plain column again."""

from django.db import migrations

import kamtibmas.privacy.fields


def _rows(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    table = schema_editor.quote_name(User._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, email FROM {table} WHERE email IS NOT NULL")  # noqa: S608
        return table, cursor.fetchall()


def encrypt(apps, schema_editor):
    from kamtibmas.privacy.fields import field_crypter

    table, rows = _rows(apps, schema_editor)
    crypter = field_crypter()
    with schema_editor.connection.cursor() as cursor:
        for pk, email in rows:
            stored = crypter.encrypt(email.encode("utf-8")).decode("utf-8") if email else None
            cursor.execute(f"UPDATE {table} SET email = %s WHERE id = %s", [stored, pk])  # noqa: S608


def decrypt(apps, schema_editor):
    from kamtibmas.privacy.fields import field_crypter

    table, rows = _rows(apps, schema_editor)
    crypter = field_crypter()
    with schema_editor.connection.cursor() as cursor:
        for pk, stored in rows:
            email = crypter.decrypt(stored.encode("utf-8")).decode("utf-8")
            cursor.execute(f"UPDATE {table} SET email = %s WHERE id = %s", [email, pk])  # noqa: S608
        cursor.execute(f"UPDATE {table} SET email = '' WHERE email IS NULL")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_apitoken_expiry_and_scopes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="email",
            field=kamtibmas.privacy.fields.EncryptedEmailField(
                blank=True, max_length=254, null=True, verbose_name="email address"
            ),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
