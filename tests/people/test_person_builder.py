"""Issue 12, item 3: one person builder. Every way a person is created — the person form, the API,
an online booking, the import of a legacy base, the test factory (and an e-mail from an unknown
sender, which only ever carries a name) — refuses the same bad input with the same French message,
and gives the same good input the same names and search fields (people/building.py)."""

from __future__ import annotations

import csv
import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from relais.people.building import (
    BIRTH_NAME_REQUIRED,
    FIRST_NAME_REQUIRED,
    NIR_SEX_MISMATCH,
    POSTCODE_FORMAT,
    PersonData,
    search_fields,
)
from relais.people.csvformat import COLUMNS
from relais.people.importing import run_import
from relais.people.models import Person
from relais.people.services import person_find_or_create_for_booking
from tests.people.factories import PersonFactory

BASE = {"birth_name": "Petit", "first_names": "Léa", "sex": "F", "birth_date": "1985-04-12", "postcode": "92000"}
NIR_OF_A_MAN = "185057512345673"  # valid key, first digit 1

BAD = [
    ({"first_names": ""}, "first_names", FIRST_NAME_REQUIRED),
    ({"first_names": " , "}, "first_names", FIRST_NAME_REQUIRED),
    ({"birth_name": ""}, "birth_name", BIRTH_NAME_REQUIRED),
    ({"birth_date": "2099-01-01"}, "birth_date", "La date de naissance ne peut pas être dans le futur."),
    ({"birth_date": "1875-05-01"}, "birth_date", "La date de naissance est antérieure à 1900 : vérifiez la saisie."),
    ({"nir": "185057512345600", "sex": "M"}, "nir", "La clé du NIR ne correspond pas au numéro : vérifiez la saisie."),
    ({"nir": NIR_OF_A_MAN, "sex": "F"}, "nir", NIR_SEX_MISMATCH),
    ({"postcode": "9200"}, "postcode", POSTCODE_FORMAT),
]
GOOD = {
    "birth_name": "de La  Fontaine-N'Diaye", "usage_name": "LEFÈVRE", "first_names": "Jean-Pierre  Élodie", "sex": "M",
    "birth_date": "1985-04-12", "postcode": "92000", "city": "Nanterre", "nir": NIR_OF_A_MAN,
}  # fmt: skip


def _token(code: str = "92") -> APIClient:
    out = StringIO()
    call_command("create_api_token", "--organisation", code, "--name", "logiciel", stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    return client


def _data(values: dict) -> PersonData:
    birth = values.get("birth_date")
    return PersonData(**{**values, "birth_date": dt.date.fromisoformat(birth) if birth else None})


# Each path takes identity values as typed and returns either the created Person or the refusal as
# {field: [messages]}.


def via_form(world, values):
    data = {**values, "not_a_duplicate": "on"}
    response = world.client_for(world.pmi_agent).post(reverse("people:create"), data)
    if response.status_code == 302:
        return Person.objects.get(birth_date=values.get("birth_date") or None, sex=values.get("sex", ""))
    return {field: list(messages) for field, messages in response.context["form"].errors.items()}


def via_api(world, values):
    response = _token().post("/api/v1/persons/", {key: value for key, value in values.items() if key != "nir"}, format="json")
    if response.status_code == 201:
        return Person.objects.get(public_id=response.json()["id"])
    return response.json()


def via_api_with_nir(world, values):
    """An integration whose organisation may not record NIRs is still told first what is wrong with one."""
    response = _token().post("/api/v1/persons/", values, format="json")
    assert response.status_code == 400
    return response.json()


def via_online_booking(world, values):
    try:
        return person_find_or_create_for_booking(data=_data(values), organisation_id=world.org92.pk)
    except ValidationError as error:
        return error.message_dict


def via_import(world, values, tmp_path):
    row = {column: values.get(column, "") for column in COLUMNS} | {"source_id": "L1"}
    path = tmp_path / "base.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerow(row)
    job = run_import(path=path, source="GRC92", organisation=world.org92)
    if job.status == "done":
        return Person.objects.get(source_records__source_id="L1")
    refused: dict[str, list[str]] = {}
    for problem in job.problems:
        where, message = problem.split(" : ", 1)
        refused.setdefault(where.split("« ")[1].rstrip(" »"), []).append(message)
    return refused


def via_factory(world, values):
    try:
        return PersonFactory(**{**values, "birth_date": _data(values).birth_date})
    except ValidationError as error:
        return error.message_dict


PATHS = {
    "form": via_form,
    "api": via_api,
    "online_booking": via_online_booking,
    "import": via_import,
    "factory": via_factory,
}


def _create(path: str, world, values, tmp_path):
    create = PATHS[path]
    return create(world, values, tmp_path) if create is via_import else create(world, values)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("change", "field", "message"), BAD, ids=[f"{field}-{i}" for i, (_, field, _) in enumerate(BAD)])
def test_every_creation_path_refuses_the_same_input_with_the_same_french_message(world, tmp_path, path, change, field, message):
    values = {**BASE, **change}
    if path == "import" and message == NIR_SEX_MISMATCH:
        pytest.skip("a legacy base's parent NIR on a child's record: imported without it (test_import.py)")
    if path == "api" and "nir" in values:
        path_function = via_api_with_nir
        refused = path_function(world, values)
    else:
        refused = _create(path, world, values, tmp_path)
    assert isinstance(refused, dict), f"{path} accepted {change}"
    assert refused.get(field) == [message], refused
    assert not Person.objects.exists()


def test_every_creation_path_gives_the_same_names_and_search_fields(world, tmp_path):
    made = {}
    for path in PATHS:
        values = dict(GOOD) if path != "api" else {key: value for key, value in GOOD.items() if key != "nir"}
        person = _create(path, world, values, tmp_path)
        assert isinstance(person, Person), (path, person)
        made[path] = (
            person.birth_name, person.usage_name, person.first_names, person.search_birth_name, person.search_usage_name,
            person.search_names,
        )  # fmt: skip
        Person.objects.filter(pk=person.pk).update(birth_date=None)  # no duplicate found by the next path
    expected = ("de La Fontaine-N'Diaye", "LEFÈVRE", "Jean-Pierre, Élodie", "de la fontaine n diaye", "lefevre")
    assert made["form"][:5] == expected
    assert made["form"][5] == " de la fontaine n diaye lefevre jean pierre elodie "
    assert all(values == made["form"] for values in made.values()), made


def test_an_email_from_an_unknown_sender_builds_the_person_the_same_way(world, procedure):
    client = _token_for_mailbox()
    mail = {
        "to": procedure.service.email,
        "from": "elodie@example.fr",
        "display_name": "élodie  lefèvre-martin",
        "subject": "APA",
    }
    assert client.post("/api/v1/inbound-email/", mail, format="json").status_code == 201
    person = Person.objects.get()
    form = via_form(world, {"birth_name": "Lefèvre-Martin", "first_names": "Élodie", "sex": "F", "birth_date": "1985-04-12"})
    assert isinstance(form, Person)
    fields = ("birth_name", "first_names", "search_birth_name", "search_usage_name", "search_names")
    assert [getattr(person, name) for name in fields] == [getattr(form, name) for name in fields]
    assert search_fields(person.birth_name, person.usage_name, person.first_names)["search_names"] == person.search_names


def _token_for_mailbox() -> APIClient:
    out = StringIO()
    args = ["--organisation", "92", "--service", "92-ACCUEIL", "--name", "messagerie"]
    call_command("create_api_token", *args, stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    return client
