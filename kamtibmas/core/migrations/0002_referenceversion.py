import secrets

from django.db import migrations, models


def first_stamp(apps, schema_editor):
    apps.get_model("core", "ReferenceVersion").objects.create(pk=1, stamp=secrets.token_hex(16))


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="ReferenceVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("stamp", models.CharField(max_length=32)),
            ],
            options={"verbose_name": "reference data version"},
        ),
        migrations.RunPython(first_stamp, migrations.RunPython.noop),
    ]
