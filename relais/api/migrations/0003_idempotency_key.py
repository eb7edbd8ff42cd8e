"""The Idempotency-Key store moves from appointments to the API layer: the table is taken over as it
is (state only), then renamed to this app's name. Keys in use survive the upgrade."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_initial"),
        ("appointments", "0006_event_kind_choices"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyKey",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("actor", models.CharField(max_length=100)),
                        ("key", models.CharField(max_length=200)),
                        ("request_hash", models.CharField(max_length=64)),
                        ("status_code", models.PositiveSmallIntegerField()),
                        ("response", models.JSONField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "db_table": "appointments_idempotencykey",
                        "constraints": [
                            models.UniqueConstraint(fields=("actor", "key"), name="idempotency_key_unique_per_actor")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="idempotencykey", table=None),
    ]
