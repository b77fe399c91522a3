"""Aspirations get a blind index of the reporter's phone, so that a data-subject
request by phone finds the cases of a reporter without an account (issue 11). The
cases already stored are indexed in batches with the current blind-index key."""

from django.core.exceptions import ValidationError
from django.db import migrations, models

BATCH = 2000


def index_phones(apps, schema_editor):
    from kamtibmas.privacy.blind_index import blind_index
    from kamtibmas.privacy.identifiers import normalise_phone

    Aspiration = apps.get_model("aspirations", "Aspiration")
    cases = Aspiration.objects.filter(reporter_phone__isnull=False).order_by("pk")
    last = 0
    while batch := list(cases.filter(pk__gt=last).only("pk", "reporter_phone")[:BATCH]):
        last = batch[-1].pk
        changed = []
        for case in batch:
            try:
                case.reporter_phone_index = blind_index(
                    "phone", normalise_phone(case.reporter_phone)
                )
            except ValidationError:
                continue  # not a phone number: nothing can look it up anyway
            changed.append(case)
        Aspiration.objects.bulk_update(changed, ["reporter_phone_index"])


class Migration(migrations.Migration):
    dependencies = [
        ("aspirations", "0005_redundant_fk_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="aspiration",
            name="reporter_phone_index",
            field=models.CharField(
                blank=True, db_index=True, editable=False, max_length=64, null=True
            ),
        ),
        migrations.RunPython(index_phones, migrations.RunPython.noop),
    ]
