from django.db import migrations


def load(apps, schema_editor):
    from employers.rome import load_rome

    load_rome(apps.get_model("employers", "RomeCode"), apps.get_model("employers", "RomeAppellation"))


class Migration(migrations.Migration):
    dependencies = [("employers", "0001_initial")]

    # Reference data, not a schema change: reversing leaves the rows (openings point at them).
    operations = [migrations.RunPython(load, migrations.RunPython.noop, elidable=False)]
