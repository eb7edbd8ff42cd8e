"""The vendored communes of the 78 and the 92 (data/communes_78_92.csv) read without the database:
for the commands and engines that must run on an unmigrated install (the insertion matching)."""

import csv
from functools import cache
from pathlib import Path

COMMUNES_FILE = Path(__file__).resolve().parent / "data" / "communes_78_92.csv"


@cache
def commune_coordinates() -> dict[str, tuple[float, float]]:
    """INSEE code → (latitude, longitude) of the town hall, WGS 84; communes without them are left out."""
    coordinates: dict[str, tuple[float, float]] = {}
    with COMMUNES_FILE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["latitude"] and row["longitude"]:
                coordinates[row["insee_code"]] = (float(row["latitude"]), float(row["longitude"]))
    return coordinates


@cache
def commune_populations() -> dict[str, int]:
    """INSEE code → municipal population (the benchmarks weigh their synthetic people by it)."""
    with COMMUNES_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["insee_code"]: int(row["population"] or 0) for row in csv.DictReader(handle)}
