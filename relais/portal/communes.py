"""Finding a commune as a person types it: by name (accents, case, hyphens and "St" ignored) or by
postcode, and sorting communes the French way ("Écquevilly" among the E's, not after the Z's).

Pure functions over a list of communes: the caller chooses the list (a motive's territory)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from relais.people.normalization import normalize_name, place_key
from relais.territory.models import Commune

_LABELLED = re.compile(r"^(?P<name>.*?)\s*\((?P<postcode>\d{5})\)$")


def commune_sort_key(commune: Commune) -> tuple[str, str]:
    return normalize_name(commune.name), commune.main_postcode


def commune_label(commune: Commune) -> str:
    """What the person reads and types: the name and the postcode (never the INSEE code, read as one)."""
    return f"{commune.name} ({commune.main_postcode})"


def communes_sorted(communes: Iterable[Commune]) -> list[Commune]:
    return sorted(communes, key=commune_sort_key)


def communes_matching(typed: str, communes: Sequence[Commune]) -> list[Commune]:
    """The communes the text designates: "Clichy (92110)" as the list offers it, a name ("saint
    germain en laye", "St-Cyr-l'École"), a postcode ("78510": maybe several communes), or, failing
    an exact name, the beginning of one. Several results mean the text is ambiguous."""
    typed = " ".join(typed.split())
    if not typed:
        return []
    labelled = _LABELLED.match(typed)
    if labelled:
        name, postcode = labelled["name"], labelled["postcode"]
        return [c for c in communes if place_key(c.name) == place_key(name) and postcode in c.postcodes.split()]
    if typed.isdigit():
        return [c for c in communes if typed in c.postcodes.split()]
    key = place_key(typed)
    exact = [c for c in communes if place_key(c.name) == key]
    return exact or [c for c in communes if place_key(c.name).startswith(key)]


def of_commune(name: str) -> str:
    """« de » before a commune's name, as French says it: d'Ecquevilly, du Chesnay, des Mureaux,
    de La Celle-Saint-Cloud, de Versailles (an initial h is left alone: aspirated or not, it varies)."""
    if name.startswith("Le "):
        return f"du {name[3:]}"
    if name.startswith("Les "):
        return f"des {name[4:]}"
    if normalize_name(name[:1]) in tuple("aeiouy"):
        return f"d'{name}"
    return f"de {name}"
