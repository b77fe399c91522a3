"""The questions every deployment starts with (``surveys.catalogue``)."""

from django.db import migrations


def add(apps, schema_editor):
    from kamtibmas.surveys.catalogue import questions_install

    questions_install(apps)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
