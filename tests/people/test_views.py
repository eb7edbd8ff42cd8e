import datetime as dt

import pytest
from django.urls import reverse

from relais.people.models import Person
from relais.privacy.models import AccessLog
from tests.people.factories import PersonFactory


@pytest.mark.parametrize(
    "query",
    [
        "lefevre",
        "LEFÈVRE",
        "martin dupont",
        "Martin-Dupont élodie",
        "elodie lef",
        "lefevre nanterre",
        "elodie 92000",
        "06 12 34 56 78",
        "0612 34",
        "56 78",
        "elodie.martin@example.fr",
        "12/04/1985",
    ],
)
def test_agent_finds_a_person_by_any_name_commune_phone_email_or_birth_date(world, person92, query):
    response = world.client_for(world.agent92).get(reverse("people:search"), {"q": query})
    assert response.status_code == 200
    assert person92 in response.context["results"]


def test_search_never_shows_persons_of_another_departement(world, person92, person78):
    response = world.client_for(world.agent78).get(reverse("people:search"), {"q": "lefevre"})
    assert response.context["results"] == []
    response = world.client_for(world.agent78).get(reverse("people:search"), {"q": "n diaye"})
    assert person78 in response.context["results"]


def test_htmx_search_returns_only_the_results_fragment(world, person92):
    response = world.client_for(world.agent92).get(reverse("people:search"), {"q": "lefevre"}, headers={"HX-Request": "true"})
    assert b"<html" not in response.content
    assert "LEFÈVRE".encode() not in response.content and b"MARTIN-DUPONT" in response.content


def test_opening_a_file_is_written_to_the_access_log(world, person92):
    client = world.client_for(world.agent92)
    response = client.get(reverse("people:detail", args=[person92.public_id]), REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Firefox")
    assert response.status_code == 200
    entry = AccessLog.objects.get()
    assert (entry.actor_id, entry.action, entry.person_id, entry.ip_address) == (
        world.agent92.pk,
        "view",
        person92.pk,
        "10.1.2.3",
    )
    assert entry.user_agent == "Firefox"


def test_shared_service_sees_persons_of_both_departements(world, person92, person78):
    client = world.client_for(world.adoption_agent)
    assert client.get(reverse("people:detail", args=[person92.public_id])).status_code == 200
    assert client.get(reverse("people:detail", args=[person78.public_id])).status_code == 200


def test_creating_a_person_warns_about_a_likely_duplicate_then_creates_on_confirmation(world, person92):
    client = world.client_for(world.agent92)
    form = {"birth_name": "MARTIN DUPONT", "first_names": "Elodie", "birth_date": "12/04/1985", "sex": "F", "version": ""}
    response = client.post(reverse("people:create"), form)
    assert response.status_code == 200
    assert [candidate.person for candidate in response.context["duplicates"]] == [person92]
    assert Person.objects.count() == 1
    response = client.post(reverse("people:create"), {**form, "not_a_duplicate": "on"})
    assert response.status_code == 302
    created = Person.objects.exclude(pk=person92.pk).get()
    assert created.organisations.get() == world.org92
    assert AccessLog.objects.filter(person_id=created.pk, action="create").exists()


def test_a_parent_or_a_twin_is_shown_for_what_they_are_and_does_not_block_the_creation(world, person92):
    """A daughter named after her mother, a twin sharing the home phone: the identity rules tell
    them apart, so the agent is told who they are instead of being stopped."""
    person92.birth_date = dt.date(1962, 4, 12)
    person92.save()
    twin = PersonFactory(
        birth_name="Lefèvre", first_names="Camille", sex="F", birth_date=dt.date(1990, 7, 1), organisations=[world.org92],
        phones=["+33699887766"],
    )  # fmt: skip
    client = world.client_for(world.agent92)
    daughter = {"birth_name": "Lefèvre", "first_names": "Élodie", "birth_date": "12/04/1990", "sex": "F", "version": ""}
    response = client.post(reverse("people:create"), daughter, follow=True)
    assert response.redirect_chain, "a mother named alike is not a duplicate: nothing to confirm"
    page = response.content.decode()
    assert "Personnes proches déjà connues" in page and "dates de naissance à 28 ans d&#x27;écart" in page

    sister = {"birth_name": "LEFEVRE", "first_names": "Léa", "birth_date": "01/07/1990", "sex": "F", "phone_1": "06 99 88 77 66"}
    response = client.post(reverse("people:create"), {**sister, "version": ""}, follow=True)
    assert response.redirect_chain, "a twin sharing the phone is not a duplicate either"
    assert (
        "née le 01/07/1990 — même nom et même date de naissance, prénoms sans rapport (Léa / Camille)"
        in response.content.decode()
    )

    response = client.post(reverse("people:create"), daughter)
    assert response.status_code == 200, "the daughter entered twice is a likely duplicate"
    assert [candidate.person.birth_date for candidate in response.context["duplicates"]] == [dt.date(1990, 4, 12)]
    relatives = {candidate.person: candidate.reasons for candidate in response.context["relatives"]}
    assert relatives[person92] == "dates de naissance à 28 ans d'écart"
    assert twin not in relatives
    page = response.content.decode()
    assert "Personnes proches, qui ne sont pas la même personne" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone_1", "12 34", "n'est pas un numéro de téléphone"),
        ("email", "marie@", "adresse e-mail valide"),
        ("birth_date", "31/02/1990", "Saisissez une date valide"),
        ("postcode", "9200", "5 chiffres"),
    ],
)
def test_bad_input_gives_a_french_field_error_and_creates_nothing(world, field, value, message):
    client = world.client_for(world.agent92)
    data = {"birth_name": "Petit", "first_names": "Léa", field: value}
    response = client.post(reverse("people:create"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Person.objects.exists()


def test_birth_date_in_the_future_is_refused(world):
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    response = world.client_for(world.agent92).post(
        reverse("people:create"), {"birth_name": "Petit", "first_names": "Léa", "birth_date": tomorrow.strftime("%d/%m/%Y")}
    )
    assert "dans le futur" in " ".join(response.context["form"].errors["birth_date"])


def test_nir_is_refused_with_a_wrong_key_and_hidden_from_services_without_legal_basis(world):
    pmi = world.client_for(world.pmi_agent)
    response = pmi.post(
        reverse("people:create"), {"birth_name": "Petit", "first_names": "Léa", "sex": "F", "nir": "285049205012300"}
    )
    assert "clé du NIR" in " ".join(response.context["form"].errors["nir"])
    reception = world.client_for(world.agent92).get(reverse("people:create"))
    assert "nir" not in reception.context["form"].fields


def test_two_agents_editing_the_same_person_the_second_is_told_who_changed_it(world, person92):
    first, second = world.client_for(world.agent92), world.client_for(world.pmi_agent)
    url = reverse("people:edit", args=[person92.public_id])
    form_first = first.get(url).context["form"].initial
    form_second = second.get(url).context["form"].initial
    clean = {k: ("" if v is None else v) for k, v in form_first.items()}
    clean["birth_date"] = "12/04/1985"
    assert first.post(url, {**clean, "city": "Clamart"}).status_code == 302
    clean2 = {k: ("" if v is None else v) for k, v in form_second.items()}
    clean2["birth_date"] = "12/04/1985"
    response = second.post(url, {**clean2, "city": "Sceaux"})
    assert response.status_code == 200
    error = " ".join(response.context["form"].non_field_errors())
    assert "modifiée par Camille" in error and "rien" not in error
    person92.refresh_from_db()
    assert person92.city == "Clamart"


def test_partner_agent_sees_only_persons_it_has_dealt_with(world, person92):
    client = world.client_for(world.caf_agent)
    assert client.get(reverse("people:detail", args=[person92.public_id])).status_code == 404
    other = PersonFactory(birth_name="Robert", organisations=[world.caf])
    assert client.get(reverse("people:detail", args=[other.public_id])).status_code == 200
    assert client.get(reverse("people:create")).status_code == 403


def test_household_members_are_listed_and_added(world, person92):
    child = PersonFactory(
        birth_name="Martin-Dupont", first_names="Lucas", sex="M", birth_date=dt.date(2022, 1, 5), organisations=[world.org92]
    )
    client = world.client_for(world.agent92)
    response = client.post(
        reverse("people:household_add", args=[person92.public_id]), {"member": str(child.public_id), "role": "child"}
    )
    assert response.status_code == 302
    page = client.get(reverse("people:detail", args=[person92.public_id]))
    assert [m.person for m in page.context["household_members"]] == [child]


def test_family_name_matches_come_before_first_name_matches(world):
    first_name_match = PersonFactory(birth_name="Bertrand", first_names="Martine", organisations=[world.org92])
    exact = PersonFactory(birth_name="Martin", first_names="Paul", organisations=[world.org92])
    longer = PersonFactory(birth_name="Martinez", first_names="Ana", organisations=[world.org92])
    response = world.client_for(world.agent92).get(reverse("people:search"), {"q": "martin"})
    assert response.context["results"] == [exact, longer, first_name_match]


@pytest.mark.parametrize(
    "query", ["lefevbre", "lefevre elodi", "martin dupon", "dupont martin", "elodie lefeuvre", "lefèvre 12/04/1985"]
)
def test_one_typo_per_word_a_sound_alike_or_a_compound_part_still_finds_the_person(world, person92, query):
    PersonFactory(birth_name="Lefort", first_names="Élise", organisations=[world.org92])
    response = world.client_for(world.agent92).get(reverse("people:search"), {"q": query})
    assert response.context["results"][0] == person92


def test_a_wrong_birth_date_excludes_the_person(world, person92):
    response = world.client_for(world.agent92).get(reverse("people:search"), {"q": "lefevre 13/04/1985"})
    assert response.context["results"] == []


def test_the_real_duplicate_is_shown_even_among_many_namesakes(world):
    for year in range(1940, 2000):
        PersonFactory(
            birth_name="Martin", first_names="Jean", sex="M", birth_date=dt.date(year, 1, 15), organisations=[world.org92]
        )
    real = PersonFactory(
        birth_name="Martin", first_names="Jean, Louis", sex="M", birth_date=dt.date(1985, 4, 12), organisations=[world.org92]
    )
    client = world.client_for(world.agent92)
    entered = {"birth_name": "MARTIN", "first_names": "Jean", "birth_date": "12/04/1985", "sex": "M", "version": ""}
    response = client.post(reverse("people:create"), entered)
    assert response.status_code == 200
    assert [candidate.person for candidate in response.context["duplicates"]] == [real]
    assert len(response.context["relatives"]) == 10  # namesakes born other years, at most ten listed
