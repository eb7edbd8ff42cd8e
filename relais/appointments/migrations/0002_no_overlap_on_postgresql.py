"""No two live appointments on one agenda may overlap — enforced by PostgreSQL itself.

An exclusion constraint over (agenda, [start, blocked_until)) for live statuses, with btree_gist for
the equality on agenda. SQLite has no such constraint: there the booking service re-checks inside a
write-locked (IMMEDIATE) transaction. Expired holds are turned to status "expired" before booking,
so they leave the constraint's scope.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE appointments_appointment
  ADD CONSTRAINT appointment_no_overlap
  EXCLUDE USING gist (agenda_id WITH =, tstzrange(start, blocked_until, '[)') WITH &&)
  WHERE (status IN ('held', 'booked', 'honoured', 'no_show'));
"""
DROP = "ALTER TABLE appointments_appointment DROP CONSTRAINT IF EXISTS appointment_no_overlap;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("appointments", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
