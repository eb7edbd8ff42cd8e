"""The person search (people/search/, selectors.person_search): both ways of ranking give the
same answer, the word counts it relies on stay right, a common spelling comes before a rare one
equally close, a commune narrows the names, phone numbers and e-mails are found whole or in part."""

import random

import pytest

from relais.people import search
from relais.people.models import NameToken, Person, TokenCount
from relais.people.search import planning
from relais.people.selectors import person_search
from relais.people.services import person_search_fields
from relais.territory.policies import agent_access_scope
from tests.people.factories import PersonFactory

FAMILIES = ["Martin", "Marin", "Martinez", "Dupont", "Dupond", "Lefèvre", "Lefebvre", "Le Goff", "Martin-Dupont", "Bernard"]
FIRSTS = ["Marie", "Jean", "Marine", "Jean-Pierre", "Élodie", "Paul", "Mario", "Anne-Marie"]
QUERIES = [
    "martin",
    "matrin marie",
    "dupnt jean",
    "martin dupont",
    "lefevre elodie",
    "lef",
    "marie jean",
    "le goff paul",
    "marni anne",
    "bernard jean pierre",
    "jean 12/04/1985",
    "martin nanterre",
    "matrin marie versailles",
    "dupont 78100",
    "marie st germain en laye",
]
ALWAYS_SCANNED = {"bernard jean pierre", "jean 12/04/1985"}  # a birth date, or three names
CITIES = [("Nanterre", "92000"), ("Versailles", "78000"), ("Saint-Germain-en-Laye", "78100")]


@pytest.fixture
def population(world):
    rng = random.Random(3)
    for _ in range(120):
        PersonFactory(
            birth_name=rng.choice(FAMILIES),
            usage_name=rng.choice(["", "", rng.choice(FAMILIES)]),
            first_names=", ".join(rng.sample(FIRSTS, rng.randint(1, 2))),
            organisations=[rng.choice([world.org92, world.org92, world.org78])],
            **dict(zip(["city", "postcode"], rng.choice(CITIES), strict=True)),
        )
    return world


def _ids(scope, query, limit=10):
    return [p.pk for p in person_search(scope=scope, query=query, limit=limit)]


@pytest.mark.parametrize("limit", [1, 5, 40])
def test_ordered_intersections_and_the_scan_rank_alike(population, monkeypatch, limit):
    scope = agent_access_scope(population.agent92)
    scanned = {query: _ids(scope, query, limit) for query in QUERIES}
    monkeypatch.setattr(planning, "SCAN_COST", -1)  # every word is "common": ordered intersections
    monkeypatch.setattr(planning, "SCAN_COST_LATER", -1)
    monkeypatch.setattr(planning, "TIER_STATEMENTS", 50)
    monkeypatch.setattr(planning, "TIER_BRANCHES", (1,) + (6,) * 49)
    scan = planning._scan
    monkeypatch.setattr(planning, "_scan", lambda *args: pytest.fail("scanned"))
    for query in QUERIES:
        if query not in ALWAYS_SCANNED:
            assert _ids(scope, query, limit) == scanned[query], query
    monkeypatch.setattr(planning, "_scan", scan)
    assert all(scanned[query] for query in QUERIES if "/" not in query)


def test_when_the_ordered_intersections_run_out_of_statements_the_scan_answers(population, monkeypatch):
    scope = agent_access_scope(population.agent92)
    expected = _ids(scope, "matrin mari", 40)
    assert expected
    monkeypatch.setattr(planning, "SCAN_COST", -1)
    monkeypatch.setattr(planning, "SCAN_COST_LATER", -1)
    monkeypatch.setattr(planning, "TIER_STATEMENTS", 1)
    assert _ids(scope, "matrin mari", 40) == expected


def test_a_common_spelling_comes_before_a_rare_one_equally_close(world):
    rare = PersonFactory(birth_name="Marin", first_names="Marie", organisations=[world.org92])
    common = [PersonFactory(birth_name="Martin", first_names="Marie", organisations=[world.org92]) for _ in range(4)]
    found = person_search(scope=agent_access_scope(world.agent92), query="matrin marie")
    assert found == [*common, rare]  # Martin and Marin are both one typo from "matrin"
    assert person_search(scope=agent_access_scope(world.agent92), query="marin marie")[0] == rare  # exact first


def _force_ordered(monkeypatch):
    """Every word is "common": the ordered intersections answer, never the scan."""
    monkeypatch.setattr(planning, "SCAN_COST", -1)
    monkeypatch.setattr(planning, "SCAN_COST_LATER", -1)
    monkeypatch.setattr(planning, "TIER_STATEMENTS", 50)
    monkeypatch.setattr(planning, "TIER_BRANCHES", (1,) + (6,) * 49)
    monkeypatch.setattr(planning, "_scan", lambda *args: pytest.fail("scanned"))


def test_when_many_match_a_typo_shows_each_close_spelling_in_the_first_ten(world, monkeypatch):
    common = [PersonFactory(birth_name="Meunier", first_names="Marie", organisations=[world.org92]) for _ in range(12)]
    rare = [PersonFactory(birth_name="Mounier", first_names="Marie", organisations=[world.org92]) for _ in range(2)]
    expected = [*common[:3], *rare, *common[3:8]]  # Meunier first (commoner), at most three before Mounier
    assert _found_first(world, "mfunier marie") == expected
    assert _found_first(world, "meunier marie") == common[:10]  # typed exactly: no other spelling pushed up
    _force_ordered(monkeypatch)
    assert _found_first(world, "mfunier marie") == expected
    assert _found_first(world, "meunier marie") == common[:10]


def test_the_spellings_rule_gives_one_page_both_ways_when_persons_bear_both_spellings(world, monkeypatch):
    for birth, usage, count in (("Meunier", "Mounier", 4), ("Mounier", "", 3), ("Meunier", "", 5)):
        for _ in range(count):
            PersonFactory(birth_name=birth, usage_name=usage, first_names="Marie", organisations=[world.org92])
    scanned = {limit: _found_first(world, "mfunier marie", limit) for limit in range(1, 13)}
    # The ordered intersections first (they hand over to the scan when a cut could hide somebody).
    monkeypatch.setattr(planning, "SCAN_COST", -1)
    monkeypatch.setattr(planning, "SCAN_COST_LATER", -1)
    monkeypatch.setattr(planning, "TIER_STATEMENTS", 50)
    monkeypatch.setattr(planning, "TIER_BRANCHES", (1,) + (6,) * 49)
    assert {limit: _found_first(world, "mfunier marie", limit) for limit in range(1, 13)} == scanned


def _found_first(world, query, limit=10):
    return person_search(scope=agent_access_scope(world.agent92), query=query, limit=limit)


def test_search_only_shows_what_the_scope_may_see_on_both_paths(population, monkeypatch):
    scope78 = agent_access_scope(population.agent78)
    visible = set(Person.objects.filter(organisations=population.org78).values_list("pk", flat=True))
    for scan_cost in (planning.SCAN_COST, -1):
        monkeypatch.setattr(planning, "SCAN_COST", scan_cost)
        for query in QUERIES:
            assert set(_ids(scope78, query, 50)) <= visible


def test_word_counts_follow_creations_and_renames_and_a_recount_agrees(world):
    person = PersonFactory(birth_name="Zorglub", first_names="Marie", organisations=[world.org92])
    PersonFactory(birth_name="Zorglub", first_names="Anne", organisations=[world.org92])
    assert TokenCount.objects.get(token="zorglub").persons == 2
    person.birth_name = "Zorgluff"
    person_search_fields(person)
    person.save()
    search.person_index([person])
    assert TokenCount.objects.get(token="zorglub").persons == 1
    assert TokenCount.objects.get(token="zorgluff").family == 1
    incremental = {c.token: (c.persons, c.family) for c in TokenCount.objects.exclude(persons=0, family=0)}
    assert search.token_counts_refresh() == NameToken.objects.values("token").distinct().count()
    assert {c.token: (c.persons, c.family) for c in TokenCount.objects.all()} == incremental


def test_bulk_indexing_counts_words_once_at_the_end(world):
    counts: search.TokenCounts = {}
    known = search.vocabulary_words()
    people = [PersonFactory.build(birth_name="Quenouille", first_names="Paul") for _ in range(3)]
    for person in people:
        person_search_fields(person)
        person.save()
    search.person_index_new([(p.pk, p.birth_name, "", p.first_names, p.city, p.postcode) for p in people], known, counts)
    assert not TokenCount.objects.filter(token="quenouille").exists()
    search.token_counts_add(counts)
    assert TokenCount.objects.get(token="quenouille").family == 3


@pytest.mark.parametrize("batch_size", [None, 1])
def test_an_import_counts_its_words(world, tmp_path, batch_size):
    from relais.people.importing import run_import

    path = tmp_path / "base.csv"
    path.write_text(
        "source_id,birth_name,usage_name,first_names,sex,birth_date,birth_place,address,postcode,city,phone,email,nir\n"
        "A1,Lefèvre,Martin,Élodie,F,1985-04-12,,,,,,,\nA2,Lefèvre,,Jean,M,,,,,,,,\n",
        encoding="utf-8",
    )
    run_import(path=path, source="GRC92", organisation=world.org92, batch_size=batch_size)
    assert (TokenCount.objects.get(token="lefevre").family, TokenCount.objects.get(token="elodie").persons) == (2, 1)
    assert person_search(scope=agent_access_scope(world.agent92), query="lefevr jean")[0].first_names == "Jean"


def _found(world, query):
    return person_search(scope=agent_access_scope(world.agent92), query=query)


def test_a_commune_or_a_postcode_among_the_names_narrows_the_search(world):
    here = PersonFactory(
        birth_name="Dupont", first_names="Marie", city="SAINT GERMAIN EN LAYE", postcode="78100", organisations=[world.org92]
    )
    there = PersonFactory(
        birth_name="Dupont", first_names="Marie", city="Nanterre", postcode="92000", organisations=[world.org92]
    )
    assert _found(world, "dupnt marie st germain en laye") == [here]
    assert _found(world, "Dupont Saint-Germain-en-Laye") == [here]
    assert _found(world, "dupont marie 92000") == [there]
    assert _found(world, "dupont nanterre") == [there]
    assert _found(world, "dupont marie") == [here, there]
    assert _found(world, "dupont marie lyon") == []  # nobody lives there: a name nobody bears
    assert _found(world, "nanterre 92000") == _found(world, "92000 nanterre") == [there]
    assert _found(world, "dupont marie jean pierre louis st germain en laye") == []  # no Jean-Pierre Louis
    here.first_names = "Marie, Jean-Pierre, Louis"
    here.save()
    search.person_index([here])
    assert _found(world, "dupont marie jean pierre louis st germain en laye") == [here]


def test_reading_only_the_communes_words_ranks_as_reading_everyones(population, monkeypatch):
    scope = agent_access_scope(population.agent92)
    queries = [q for q in QUERIES if any(city.lower().split("-")[-1] in q for city, _ in CITIES)]
    assert len(queries) >= 3
    named = []
    commune = planning._commune
    monkeypatch.setattr(planning, "_commune", lambda *args: named.append(commune(*args)) or named[-1])
    by_commune = {query: _ids(scope, query, 40) for query in queries}
    assert len([found for found in named if found]) == len(queries)  # the commune's words were read
    monkeypatch.setattr(planning, "_commune", lambda *args: None)
    assert {query: _ids(scope, query, 40) for query in queries} == by_commune
    assert all(by_commune.values())


def test_a_commune_typed_alone_or_also_a_name_is_searched_as_a_name_first(world):
    resident = PersonFactory(birth_name="Martin", first_names="Anne", city="Paris", postcode="75011", organisations=[world.org92])
    named = PersonFactory(
        birth_name="Paris", first_names="Anne", city="Versailles", postcode="78000", organisations=[world.org92]
    )
    assert _found(world, "paris") == [named]
    assert _found(world, "paris anne") == [named, resident]  # the exact family name before the commune


def test_a_person_who_moves_is_found_in_the_new_commune_only(world):
    person = PersonFactory(
        birth_name="Lemoine", first_names="Paul", city="Nanterre", postcode="92000", organisations=[world.org92]
    )
    in_nanterre = TokenCount.objects.get(token="@nanterre").persons
    person.city, person.postcode = "Versailles", "78000"
    person.save()
    search.person_index([person])
    assert _found(world, "lemoine versailles") == [person]
    assert _found(world, "lemoine nanterre") == []
    assert TokenCount.objects.get(token="@nanterre").persons == in_nanterre - 1


@pytest.mark.parametrize(
    "query",
    ["06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678", "33612345678", "0612", "06 12 34", "56 78", "345678", "612345678"],
)
def test_a_phone_number_is_found_whole_or_by_its_beginning_or_its_end(world, person92, query):
    assert _found(world, query) == [person92]


@pytest.mark.parametrize("query", ["23 45 67", "07 12 34 56 78", "+44 6 12 34", "0033", "0033 6"])
def test_a_phone_fragment_from_the_middle_or_another_number_finds_nobody(world, person92, query):
    assert _found(world, query) == []


def test_a_foreign_phone_number_is_found_with_its_international_prefix(world):
    person = PersonFactory(birth_name="Smith", first_names="John", phones=["+447700900123"], organisations=[world.org92])
    assert _found(world, "+44 7700 900123") == [person]
    assert _found(world, "0044 7700") == [person]
    assert _found(world, "900123") == [person]


@pytest.mark.parametrize("query", ["elodie.martin@example.fr", "Elodie.Martin@Example.FR", "elodie.martin@", "elodie.martin@exa"])
def test_an_e_mail_is_found_whole_or_by_its_beginning(world, person92, query):
    assert _found(world, query) == [person92]


def test_contact_searches_respect_the_scope(world, person92):
    scope78 = agent_access_scope(world.agent78)
    assert person_search(scope=scope78, query="06 12 34 56 78") == []
    assert person_search(scope=scope78, query="elodie.martin@example.fr") == []
