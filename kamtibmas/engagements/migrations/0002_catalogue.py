from django.db import migrations


def install(apps, schema_editor):
    from kamtibmas.engagements.catalogue import catalogue_install

    catalogue_install(apps)


class Migration(migrations.Migration):
    dependencies = [("engagements", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
