"""IdempotencyKey now belongs to the API layer (api 0003 took the table over)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0006_event_kind_choices"),
        ("api", "0003_idempotency_key"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="IdempotencyKey")], database_operations=[]),
    ]
