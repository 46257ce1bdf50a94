from django.db import migrations, models
from django.utils import timezone


def claimed_now(apps, schema_editor):
    # An import left "applying" before claims had a time: counted from now, so it can be taken over
    # once SOMS_IMPORT_CLAIM_SECONDS have passed instead of waiting for it to expire.
    PeopleImport = apps.get_model("people", "PeopleImport")
    PeopleImport.objects.filter(status="applying", claimed_at__isnull=True).update(claimed_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0011_import_claim_fingerprint"),
    ]

    operations = [
        migrations.AddField(
            model_name="peopleimport",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(claimed_now, migrations.RunPython.noop),
    ]
