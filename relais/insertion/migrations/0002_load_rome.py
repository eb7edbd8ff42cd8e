"""Load the vendored subset of the ROME (see insertion/data/README.md)."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def _rows(name):
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_rome(apps, schema_editor):
    RomeMetier = apps.get_model("insertion", "RomeMetier")
    RomeAppellation = apps.get_model("insertion", "RomeAppellation")
    RomeMetier.objects.bulk_create(
        [RomeMetier(code=row["code"], label=row["label"], domain=row["code"][:3]) for row in _rows("rome_metiers.csv")],
        ignore_conflicts=True,
    )
    RomeAppellation.objects.bulk_create(
        [
            RomeAppellation(metier_id=row["metier_code"], code=row["code"], label=row["label"])
            for row in _rows("rome_appellations.csv")
        ],
        ignore_conflicts=True,
    )


def unload_rome(apps, schema_editor):
    apps.get_model("insertion", "RomeAppellation").objects.all().delete()
    apps.get_model("insertion", "RomeMetier").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("insertion", "0001_initial")]
    operations = [migrations.RunPython(load_rome, unload_rome)]
