"""Two small person bases with known duplicates, for the linkage tests.

Base A holds 400 people drawn from the demo's frequency-weighted French names; base B holds 300 of
them as another office typed them, 100 others, and the twin of 10 people of A (same family name,
birth date, birth place and address, another first name) who must never be linked to them. By hand:
a married woman, a record typed in capitals, twins sharing the home phone, a father and his son
named after him, and a person whose sex one base got wrong.
The special cases the tests look at by id are written out by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from relais.demo import names
from relais.people.csvformat import COLUMNS

SPECIAL_A = [
    # married since: her birth name in A, her spouse's name as usage name in B
    {"source_id": "A-MARRIED", "birth_name": "Lefèvre", "usage_name": "", "first_names": "Élodie, Marie", "sex": "F",
     "birth_date": "1985-04-12", "birth_place": "Nanterre", "address": "2 rue Pasteur", "postcode": "92000", "city": "Nanterre",
     "phone": "+33612345678", "email": "", "nir": ""},
    # typed in capitals without accents, day and month swapped
    {"source_id": "A-CAPS", "birth_name": "Bénard", "usage_name": "", "first_names": "Hélène", "sex": "F",
     "birth_date": "1962-03-07", "birth_place": "Versailles", "address": "14 avenue Foch", "postcode": "78000", "city": "Versailles",
     "phone": "", "email": "helene.benard@example.fr", "nir": ""},
    # one of twins sharing the home phone; the other twin is in B only
    {"source_id": "A-TWIN", "birth_name": "Kerguelen", "usage_name": "", "first_names": "Yann", "sex": "M",
     "birth_date": "1999-06-21", "birth_place": "Brest", "address": "8 rue de Brest", "postcode": "92300", "city": "Levallois-Perret",
     "phone": "+33655443322", "email": "", "nir": ""},
    # a father; his son, named after him and living with him, is in B only
    {"source_id": "A-PARENT", "birth_name": "Le Goff", "usage_name": "", "first_names": "Ronan", "sex": "M",
     "birth_date": "1961-09-03", "birth_place": "Quimper", "address": "3 rue de Quimper", "postcode": "92160", "city": "Antony",
     "phone": "+33611223344", "email": "", "nir": ""},
    # one person, whose sex one base got wrong: the same, but a reviewer must look
    {"source_id": "A-SEX", "birth_name": "Marchal", "usage_name": "", "first_names": "Dominique", "sex": "F",
     "birth_date": "1970-02-02", "birth_place": "Metz", "address": "5 allée des Tilleuls", "postcode": "78300", "city": "Poissy",
     "phone": "+33677889900", "email": "dominique.marchal@example.fr", "nir": ""},
]  # fmt: skip
SPECIAL_B = [
    {"source_id": "B-MARRIED", "birth_name": "LEFEVRE", "usage_name": "Martin-Dupont", "first_names": "Élodie", "sex": "F",
     "birth_date": "12/04/1985", "birth_place": "Nanterre", "address": "31 boulevard de la Paix", "postcode": "78000",
     "city": "Versailles", "phone": "06 12 34 56 78", "email": "", "nir": ""},
    {"source_id": "B-CAPS", "birth_name": "BENARD", "usage_name": "", "first_names": "HELENE", "sex": "F",
     "birth_date": "03/07/1962", "birth_place": "Versailles", "address": "14 avenue Foch", "postcode": "78000", "city": "Versailles",
     "phone": "", "email": "", "nir": ""},
    {"source_id": "B-TWIN", "birth_name": "Kerguelen", "usage_name": "", "first_names": "Erwan", "sex": "M",
     "birth_date": "1999-06-21", "birth_place": "Brest", "address": "8 rue de Brest", "postcode": "92300", "city": "Levallois-Perret",
     "phone": "+33655443322", "email": "", "nir": ""},
    {"source_id": "B-CHILD", "birth_name": "LE GOFF", "usage_name": "", "first_names": "RONAN", "sex": "M",
     "birth_date": "14/02/1990", "birth_place": "Quimper", "address": "3 rue de Quimper", "postcode": "92160", "city": "Antony",
     "phone": "06 11 22 33 44", "email": "", "nir": ""},
    {"source_id": "B-SEX", "birth_name": "MARCHAL", "usage_name": "", "first_names": "DOMINIQUE", "sex": "M",
     "birth_date": "02/02/1970", "birth_place": "Metz", "address": "5 allée des Tilleuls", "postcode": "78300", "city": "Poissy",
     "phone": "06 77 88 99 00", "email": "dominique.marchal@example.fr", "nir": ""},
]  # fmt: skip
TRUE_PAIRS = {("A-MARRIED", "B-MARRIED"), ("A-CAPS", "B-CAPS"), ("A-SEX", "B-SEX")}
COMMUNES = [("Nanterre", "92000"), ("Versailles", "78000"), ("Colombes", "92700"), ("Poissy", "78300"), ("Meudon", "92190")]
STREETS = ["rue Pasteur", "avenue Foch", "rue de la Gare", "allée des Tilleuls", "rue Victor Hugo", "place de l'Église"]


def _person(rng: random.Random, source_id: str) -> dict:
    sex = rng.choice("FM")
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randint(0, 60 * 365))
    firsts = names.pick_first_names(rng, sex, birth)
    city, postcode = rng.choice(COMMUNES)
    return {
        "source_id": source_id, "birth_name": names.pick_surname(rng), "usage_name": "", "first_names": ", ".join(firsts),
        "sex": sex, "birth_date": birth.isoformat(), "birth_place": rng.choice(["Paris", "Lyon", "Nantes", "Lille"]),
        "address": f"{rng.randint(1, 99)} {rng.choice(STREETS)}", "postcode": postcode, "city": city,
        "phone": names.make_mobile(rng) if rng.random() < 0.7 else "", "email": "", "nir": "",
    }  # fmt: skip


def _retyped(rng: random.Random, record: dict, source_id: str) -> dict:
    other = dict(record, source_id=source_id)
    birth = dt.date.fromisoformat(record["birth_date"])
    other["birth_date"] = birth.strftime("%d/%m/%Y")
    if rng.random() < 0.3:
        other["birth_name"] = other["birth_name"].upper()
    if rng.random() < 0.3:
        other["first_names"] = other["first_names"].split(", ")[0]
    if rng.random() < 0.2:
        other["phone"] = ""
    return other


def write_bases(folder: Path) -> tuple[Path, Path, set[tuple[str, str]]]:
    """Write a.csv and b.csv in `folder`; return their paths and the true pairs."""
    rng = random.Random(7)
    base_a = [_person(rng, f"A{i:04d}") for i in range(400)]
    truth = set(TRUE_PAIRS)
    base_b = []
    for i, record in enumerate(base_a[:300]):
        base_b.append(_retyped(rng, record, f"B{i:04d}"))
        truth.add((record["source_id"], f"B{i:04d}"))
    base_b += [_person(rng, f"B{i:04d}") for i in range(300, 400)]
    for i, record in enumerate(base_a[300:310]):
        twin = dict(
            _person(rng, f"BT{i:02d}"),
            **{key: record[key] for key in ("birth_name", "birth_date", "birth_place", "address", "postcode", "city")},
        )
        if twin["first_names"].split(", ")[0] != record["first_names"].split(", ")[0]:
            base_b.append(twin)
    base_a += SPECIAL_A
    base_b += SPECIAL_B
    rng.shuffle(base_b)
    paths = folder / "a.csv", folder / "b.csv"
    for path, rows in zip(paths, (base_a, base_b), strict=True):
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    return paths[0], paths[1], truth


def write_base_with_duplicates(folder: Path) -> tuple[Path, set[tuple[str, str]]]:
    """One base holding 300 people, 60 of them a second time as another office typed them, and the
    look-alikes of SPECIAL_A (a twin, a son named after his father): duplicates inside one base."""
    rng = random.Random(11)
    people = [_person(rng, f"P{i:04d}") for i in range(300)]
    duplicates = [_retyped(rng, record, f"D{i:04d}") for i, record in enumerate(people[:60])]
    truth = {(record["source_id"], f"D{i:04d}") for i, record in enumerate(people[:60])}
    lookalikes = [dict(record, source_id=record["source_id"].replace("B-", "L-")) for record in SPECIAL_B]
    rows = people + duplicates + SPECIAL_A + lookalikes
    truth |= {(a, b.replace("B-", "L-")) for a, b in TRUE_PAIRS}
    rng.shuffle(rows)
    path = folder / "base.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path, truth
