"""The identity rules: what tells two look-alike records apart, and what a typing error explains."""

import datetime as dt
import random

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relais.demo.names import make_nir
from relais.people import identity_rules
from relais.people.csvformat import COLUMNS
from relais.people.identity_rules import AGAINST, DOUBT, VETO
from relais.people.record_linkage import prepare_frame

BASE = {
    "birth_name": "Kerguelen", "usage_name": "", "first_names": "Yann, Pierre", "sex": "M", "birth_date": "1975-06-21",
    "birth_place": "Nanterre", "address": "8 rue de Brest", "postcode": "92000", "city": "Nanterre",
    "phone": "+33612345678", "email": "", "nir": "",
}  # fmt: skip


def pairs_of(*couples: tuple[dict, dict]) -> pd.DataFrame:
    """Each (left, right) couple of partial records over BASE, as the rules read them."""
    left = pd.DataFrame([dict(BASE, source_id=f"L{i}") | a for i, (a, _) in enumerate(couples)]).reindex(columns=COLUMNS)
    right = pd.DataFrame([dict(BASE, source_id=f"R{i}") | b for i, (_, b) in enumerate(couples)]).reindex(columns=COLUMNS)
    return identity_rules.side_by_side(prepare_frame(left.fillna("")), prepare_frame(right.fillna("")))


def findings(a: dict, b: dict) -> list[identity_rules.Finding]:
    return identity_rules.findings_of(pairs_of((a, b)))[0]


def codes(a: dict, b: dict) -> set[tuple[str, str]]:
    return {(finding.code, finding.severity) for finding in findings(a, b)}


def test_a_parent_and_a_child_named_alike_are_told_apart_by_their_birth_dates():
    found = findings({"birth_date": "1952-03-14"}, {"birth_date": "14/03/1985", "phone": ""})
    assert [(f.code, f.severity, f.message) for f in found] == [
        ("birth_dates_differ", AGAINST, "dates de naissance à 33 ans d'écart")
    ]
    assert (
        findings({"birth_date": "1898-01-02"}, {"birth_date": "1931-05-30"})[0].message == "dates de naissance à 33 ans d'écart"
    )
    assert (
        findings({"birth_date": "1975-06-21"}, {"birth_date": "1975-11-02"})[0].message == "dates de naissance à 4 mois d'écart"
    )


@pytest.mark.parametrize(
    "other",
    [
        "21/06/1975",  # the same date, written the French way
        "1975-06-12",  # two neighbouring digits exchanged (12 for 21)
        "1975-06-28",  # a week off
        "1975-07-02",  # eleven days off, across a month
        "1976-06-21",  # one digit of the year
        "1975-06-01",  # one digit wrong
        "01/01/1975",  # the day and month unknown to that base
        "1975",  # only the year known
        "00/06/1975",  # only the month and year known
        "",  # no date at all
    ],
)
def test_a_typing_error_in_the_birth_date_is_not_evidence_of_two_people(other):
    assert not codes({}, {"birth_date": other})


def test_day_and_month_exchanged_is_a_typing_error():
    assert not codes({"birth_date": "1975-04-12"}, {"birth_date": "1975-12-04"})


def test_one_digit_making_a_generation_of_difference_is_left_to_a_reviewer():
    found = findings({"birth_date": "1960-05-12"}, {"birth_date": "1990-05-12"})
    assert [(f.code, f.severity) for f in found] == [("birth_year_typo", DOUBT)]
    assert "30 ans" in found[0].message
    assert codes({"birth_date": "1957-06-21"}, {"birth_date": "1975-06-21"}) == {("birth_year_typo", DOUBT)}


def test_twins_are_told_apart_by_their_first_names_and_an_agreeing_identifier_only_makes_it_a_doubt():
    found = findings({"first_names": "André, Philippe"}, {"first_names": "Renaud"})
    assert [(f.code, f.severity) for f in found] == [("first_names_differ", AGAINST)]
    assert found[0].message == "même nom et même date de naissance, prénoms sans rapport (André / Renaud) : des jumeaux ?"
    nir = make_nir(random.Random(1), "M", dt.date(1975, 6, 21), "92")
    # The same NIR on both: not evidence against any more, but still for a person to look at.
    vouched = findings({"first_names": "André", "nir": nir}, {"first_names": "Renaud", "nir": nir})
    assert [(f.code, f.severity) for f in vouched] == [("first_names_differ", DOUBT)]
    assert "pourtant même NIR ou même e-mail personnel" in vouched[0].message
    # A household's e-mail (it names neither of them) vouches for nothing.
    family = {"email": "kerguelen.famille@example.fr"}
    assert ("first_names_differ", AGAINST) in codes({"first_names": "Nathan"} | family, {"first_names": "Lucas"} | family)
    parent = {"email": "david.kerguelen@example.fr"}
    assert ("first_names_differ", AGAINST) in codes({"first_names": "Hugo"} | parent, {"first_names": "Louis"} | parent)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Jean-Pierre, Marc", "Jean"),  # a compound cut
        ("Alexandre", "Alex"),  # a short form
        ("Marie, Anne", "Anne"),  # the list cut to another first name
        ("Marie, Anne", "Anne, Marie"),  # reordered
        ("Mathieu", "Matthieu"),  # a typo
        ("Françoise", "Fransoise"),  # a sound
        ("Jean-Pierre", "JEAN PIERRE"),  # written without the hyphen
        ("Yann", "Y"),  # an initial
    ],
)
def test_one_persons_first_names_typed_differently_are_related(left, right):
    assert not codes({"first_names": left}, {"first_names": right})


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Jean-Pierre", "Jean-Didier"),  # two compounds sharing a part are two names
        ("Jade, Nadia", "Eva, Nadia"),  # sisters sharing a second first name
        ("Mirko, Christophe", "Christopher"),  # a second first name close to the other's usual one
    ],
)
def test_first_names_sharing_only_a_part_or_a_second_name_are_unrelated(left, right):
    assert ("first_names_differ", AGAINST) in codes({"first_names": left}, {"first_names": right, "birth_date": ""})


def test_several_first_names_do_not_turn_into_other_ones():
    found = findings({"first_names": "Paul, Killian, Lucas"}, {"first_names": "Paul, Guy, Philippe", "birth_date": ""})
    assert [(f.code, f.message) for f in found] == [
        ("other_first_names_differ", "autres prénoms différents (Paul, Killian, Lucas / Paul, Guy, Philippe)")
    ]
    assert not codes({"first_names": "Paul, Killian, Lucas"}, {"first_names": "Paul, Kilian"})


def test_two_sexes_with_a_masculine_and_a_feminine_first_name_are_two_people_a_sex_typo_is_a_doubt():
    assert codes({"first_names": "Louis", "sex": "M"}, {"first_names": "Louise", "sex": "F"}) == {("sex_differs", AGAINST)}
    assert ("sex_differs", AGAINST) in codes({"first_names": "Liam", "sex": "M"}, {"first_names": "Lina", "sex": "F"})
    assert codes({"first_names": "Marine", "sex": "F"}, {"first_names": "Maryne", "sex": "M"}) == {("sex_differs", DOUBT)}
    assert codes({"first_names": "Dominique", "sex": "F"}, {"first_names": "Dominique", "sex": "1"}) == {("sex_differs", DOUBT)}


def test_two_trusted_nirs_that_differ_are_two_people_even_one_order_number_apart():
    rng = random.Random(3)
    first = make_nir(rng, "M", dt.date(1975, 6, 21), "92")
    twin = first[:10] + f"{(int(first[10:13]) + 1) % 1000:03d}"
    twin += f"{97 - int(twin) % 97:02d}"  # the next order number: a twin born in the same commune
    assert codes({"first_names": "Yann", "nir": first}, {"first_names": "Yann", "nir": twin}) == {("nir_differ", VETO)}


def test_a_nir_that_is_not_the_records_own_says_nothing():
    parent = make_nir(random.Random(4), "F", dt.date(1950, 2, 3), "75")  # the insured parent's NIR on the child's record
    child = make_nir(random.Random(5), "M", dt.date(1975, 6, 21), "92")
    assert not codes({"nir": child}, {"nir": parent})
    assert not codes({"nir": child}, {"nir": child[:-2] + "00"})  # a typo: the key no longer matches


def test_a_trusted_nir_contradicting_the_other_records_birth_date_is_evidence_against():
    nir = make_nir(random.Random(6), "M", dt.date(1997, 3, 2), "92")
    assert not findings({"birth_date": "1997-03-02", "nir": nir}, {"birth_date": ""})
    assert not findings({"birth_date": "1997-03-02", "nir": nir}, {"birth_date": "1997-02-27"})  # a few days off
    found = findings({"birth_date": "1997-03-02", "nir": nir}, {"birth_date": "2025"})
    codes_found = {(f.code, f.severity) for f in found}
    assert ("nir_contradicts", AGAINST) in codes_found
    message = next(f.message for f in found if f.code == "nir_contradicts")
    assert "naissance" in message and nir[:7] not in message  # said in words, without the number itself


def test_strong_identity_needs_names_and_the_full_birth_date_or_the_same_nir():
    agree = identity_rules.judge(
        pairs_of(
            ({}, {}),  # the same person, typed alike
            ({}, {"birth_date": ""}),  # no birth date on one side
            ({}, {"birth_name": "Kergelen"}),  # a typo in the family name
            ({}, {"birth_date": "1975-12-06"}),  # a typing error explained, but not agreeing
            ({"first_names": "Yann"}, {"first_names": "Erwan"}),  # twins
        )
    ).identity_agrees
    assert agree.tolist() == [True, False, False, False, False]


NAMES = st.sampled_from(["Yann", "Yann, Pierre", "Erwan", "Jean-Pierre", "Jean", "Louise", "Louis", "Marie, Anne", "Anne"])
DATES = st.sampled_from(["1975-06-21", "21/06/1975", "1975-12-06", "1945-06-21", "01/01/1975", "", "1975", "2001-02-03"])
SEXES = st.sampled_from(["M", "F", "", "1", "2"])
RECORDS = st.fixed_dictionaries({"first_names": NAMES, "birth_date": DATES, "sex": SEXES})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RECORDS, RECORDS)
def test_the_rules_say_the_same_whichever_record_comes_first(a, b):
    assert codes(a, b) == codes(b, a)


def test_calibration_lightens_only_the_rules_one_person_clearly_breaks_often():
    same = ({}, {})
    replaced_first_name = ({"first_names": "Yann"}, {"first_names": "Erwan"})
    often = pairs_of(*([same] * 192 + [replaced_first_name] * 8))  # 4 % of sure pairs
    calibration = identity_rules.calibrate(often)
    assert 4 < calibration.bits["first_names_differ"] < 5.5  # log2(1 / 4 %)
    assert calibration.bits["birth_dates_differ"] == identity_rules.AGAINST_BITS
    rarely = pairs_of(*([same] * 499 + [replaced_first_name]))  # one odd record in 500
    assert identity_rules.calibrate(rarely).bits["first_names_differ"] == identity_rules.AGAINST_BITS
    # Too few sure pairs to learn anything from: every rule keeps its full strength.
    few = pairs_of(*([same] * 48 + [replaced_first_name] * 2))
    first_names_finding = findings(*replaced_first_name)[0]
    assert identity_rules.calibrate(few).weight(first_names_finding) == identity_rules.AGAINST_BITS
    assert calibration.weight(first_names_finding) < identity_rules.AGAINST_BITS
    assert "prénoms sans rapport 5 bits" in calibration.describe()


@pytest.mark.parametrize("placeholder", ["01/01/1900", "00/00/0000", "1899-12-30", "01/01/0001"])
def test_a_placeholder_birth_date_is_no_date_and_contradicts_nothing(placeholder):
    assert not codes({"birth_date": placeholder}, {"birth_date": "1985-04-12"})
    # A real date long ago is still a date: a record of someone born in 1898 is not their grandchild's.
    assert ("birth_dates_differ", AGAINST) in codes({"birth_date": "1898-01-02"}, {"birth_date": "1931-05-30"})


def test_a_nir_with_digits_missing_neither_vouches_nor_contradicts():
    nir = make_nir(random.Random(3), "M", dt.date(1975, 6, 21), "92")
    damaged = nir[:11]  # the order number and key lost in an export
    found = findings({"first_names": "André", "nir": damaged}, {"first_names": "Renaud", "nir": damaged})
    assert [(f.code, f.severity) for f in found] == [("first_names_differ", AGAINST)]
    assert not codes({"nir": damaged}, {"nir": nir})


def test_a_nir_of_the_old_seine_agrees_with_a_birth_in_the_hauts_de_seine():
    # Born in Nanterre in 1960: the département was still the Seine (75) on the NIR.
    nir = make_nir(random.Random(4), "F", dt.date(1960, 5, 3), "75")
    assert not codes(
        {"sex": "F", "first_names": "Anne", "birth_date": "1960-05-03", "birth_place": "Nanterre (92)", "nir": nir},
        {"sex": "F", "first_names": "Anne", "birth_date": "1960-05-03", "birth_place": "Nanterre (92)"},
    )


@pytest.mark.parametrize(
    ("left", "right"),
    [("Mohamed", "Muhammad"), ("Youssef", "Yusuf"), ("Jean-Pierre", "J.-Pierre"), ("Jean-Pierre", "JP")],
)
def test_transliterations_and_initials_are_the_same_first_name(left, right):
    assert not codes({"first_names": left}, {"first_names": right})


def test_a_different_sex_with_one_first_name_missing_is_a_doubt_not_a_contradiction():
    found = findings({"sex": "F", "first_names": ""}, {"sex": "M"})
    assert [(f.code, f.severity) for f in found] == [("sex_differs", DOUBT)]
