"""Every page an agent or a citizen opens, read for the mechanical slips of French wording: a plural
left as "(s)", an elision missing ("de accueil") or made before a consonant ("d'rejet"), an acronym
in lower case ("Nir"), Django's "---------" or an English word left in the interface."""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from tests import test_permissions_sweep as sweep

objects = sweep.objects  # the sweep's objects: one of each kind, reachable by the 92's reception agent

VOWEL = "aeiouyàâéèêëîïôûùAEIOUÉÈÊÎÔ"
CHECKS = [
    (re.compile(r"\w\((?:s|e|es|x)\)"), "pluriel ou accord laissé entre parenthèses"),
    (re.compile(rf"(?<![\w'’-])(?:de|que|ne|je|le|la|se|me|te|jusque|lorsque|puisque)\s+(?=[{VOWEL}]\w)(?!un\b|une\b|onze|oui|Yvelines|ya)", re.I), "élision manquante"),
    (re.compile(r"(?<![\w-])(?:d|l|j|qu|n|s)['’](?=[bcdfgjklmnpqrstvwxzBCDFGJKLMNPQRSTVWXZ])"), "élision devant une consonne"),
    (re.compile(r"\b(?:Nir|Insee|Cpam|Msa|Rsa|Pmi|Sms|Iban|Rgpd)\b"), "sigle à écrire en capitales"),
    (re.compile(r"-{5,}"), "choix vide « --------- » de Django"),
    (re.compile(r"\b(?:received|incomplete|under_review|accepted|rejected|withdrawn|booked|honoured|no_show|This field|Forbidden|Not Found|None)\b"), "mot anglais"),
    (re.compile(r"\b(\w+(?: \w+){0,3}) — \1\b"), "mots répétés"),
    (re.compile(r"(?<![\w,./:-])[01] (?!(?:\w+-)?vous\b|fois\b|mois\b|cas\b|temps\b|accès\b|avis\b|repas\b|pas\b)[a-zàâéèêîôûç]+s\b"), "pluriel après 0 ou 1"),
]  # fmt: skip


class _Text(HTMLParser):
    """What a user reads: text outside scripts and styles, and the attributes read aloud or shown."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def slips(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    found = []
    for text in parser.parts:
        for pattern, what in CHECKS:
            for match in pattern.finditer(text):
                found.append(f"{what} : « {text[max(0, match.start() - 30) : match.end() + 30]} »")
    return found


def test_the_checks_catch_what_they_are_meant_to_catch():
    assert (
        slips("<p>30 jour(s)</p><p>décision implicite d'rejet</p><p>le usager</p><p>Nir</p>")
        and len(slips("<p>30 jour(s)</p><p>décision implicite d'rejet</p><p>le usager</p><p>Nir</p>")) == 4
    )
    assert slips("<select><option>---------</option></select>")
    assert slips("<p>Courrier à imprimer — à imprimer</p>")
    assert slips("<td>1 échanges, 0 demandes</td>") and not slips("<td>1 échange, 2 rendez-vous, 1 fois, 0 demande</td>")
    assert not slips("<p>Accusé de réception d'une demande, 2 jours, le NIR, l'usager, de Hauts-de-Seine</p>")
    assert not slips("<script>var x = 'd'rejet';</script>")


def _pages(objects):
    for route, name, _ in sweep._project_urls():
        if (
            route.startswith("api/")
            or name in ("api-schema", "logout")
            or "feed" in name
            or name.endswith(("export", "letter", "document", "attachment"))
        ):
            continue
        values = sweep._values_for(name, objects)
        if name.startswith("portal_requests:"):
            values |= {"token": objects["request"].tracking_token}
        try:
            yield name, sweep._fill(route, values)
        except KeyError:
            continue


@pytest.mark.parametrize("who", ["agent92", "pmi_agent", "caf_agent", None])
def test_every_page_reads_as_french(world, objects, who):
    client = world.client_for(getattr(world, who)) if who else Client()
    found, read = {}, 0
    for name, url in _pages(objects):
        if who is None and not sweep._is_public(name):
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        read += 1
        if problems := slips(response.content.decode()):
            found[f"{name} {url}"] = problems
    assert read >= {"agent92": 30, "pmi_agent": 25, "caf_agent": 15, None: 8}[who], f"only {read} pages read"
    assert not found, "\n".join(f"{page}\n    " + "\n    ".join(problems) for page, problems in found.items())


def test_no_message_leaves_a_known_count_with_an_open_plural():
    """Messages built in code (job reports, command output, flash messages): where the number is
    known, French writes the plural it takes — `count_of` and `fr_pluralize` do (Django's
    `pluralize` writes « 0 demandes »)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "relais"
    after_value = {
        ".py": re.compile(r"\{[^{}\n]+\}[^\"\n{]{0,40}?\w\((?:s|e|es)\)"),
        ".html": re.compile(r"\}\}[^<\n{]{0,40}?\w\((?:s|e|es)\)"),
        ".txt": re.compile(r"\}\}[^\n{]{0,40}?\w\((?:s|e|es)\)"),
    }
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in root.rglob("*")
        if path.suffix in after_value and "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if after_value[path.suffix].search(line) or (path.suffix == ".html" and "|pluralize" in line)
    ]
    assert not found, "\n".join(found)
