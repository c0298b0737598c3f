from django.db import migrations


def create_default(apps, schema_editor):
    WorkCalendar = apps.get_model("tasks", "WorkCalendar")
    if not WorkCalendar.objects.filter(is_default=True).exists():
        WorkCalendar.objects.create(name="Mon–Fri", weekend_days=[5, 6], is_default=True)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0001_initial")]
    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
