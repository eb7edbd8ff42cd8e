"""Load the communes of the 78 and the 92 from the vendored file (see territory/data/README.md)."""

import csv
from decimal import Decimal
from pathlib import Path

from django.db import migrations

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "communes_78_92.csv"


def load_communes(apps, schema_editor):
    Commune = apps.get_model("territory", "Commune")
    with DATA_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    Commune.objects.bulk_create(
        [
            Commune(
                insee_code=row["insee_code"],
                name=row["name"],
                department=row["department"],
                postcodes=row["postcodes"],
                population=int(row["population"] or 0),
                latitude=Decimal(row["latitude"]) if row["latitude"] else None,
                longitude=Decimal(row["longitude"]) if row["longitude"] else None,
            )
            for row in rows
        ],
        ignore_conflicts=True,
    )


def unload_communes(apps, schema_editor):
    apps.get_model("territory", "Commune").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("territory", "0001_initial")]
    operations = [migrations.RunPython(load_communes, unload_communes)]
