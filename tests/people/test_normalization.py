import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from relais.people.normalization import (
    clean_nir,
    name_tokens,
    nir_key,
    normalize_email,
    normalize_name,
    parse_french_date,
    phone_display,
    phone_search_digits,
    phone_search_key,
    phone_to_e164,
    place_key,
    split_first_names,
)


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("DUPONT-MARTIN", "dupont martin"),
        ("Dupont--Martin", "dupont martin"),
        ("  dupont   martin ", "dupont martin"),
        ("Lefèvre", "lefevre"),
        ("N'Diaye", "n diaye"),
        ("d’Estienne d’Orves", "d estienne d orves"),
        ("Œuvray", "oeuvray"),
        ("HÉLÈNE-ÇA", "helene ca"),
    ],
)
def test_names_compare_without_case_accents_or_separators(typed, normalized):
    assert normalize_name(typed) == normalized


def test_first_names_keep_civil_order_and_compound_names():
    assert split_first_names("Jean-Pierre, Marie") == ["Jean-Pierre", "Marie"]
    assert split_first_names("Jean-Pierre Marie Louis") == ["Jean-Pierre", "Marie", "Louis"]
    assert name_tokens("Jean-Pierre") == ["jean", "pierre"]


@pytest.mark.parametrize("typed", ["06 12 34 56 78", "0612345678", "+33 6 12 34 56 78", "06.12.34.56.78", "0033612345678"])
def test_french_mobile_numbers_become_e164(typed):
    assert phone_to_e164(typed) == "+33612345678"
    assert phone_display("+33612345678") == "06 12 34 56 78"


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("0690 12 34 56", "+590690123456"),  # Guadeloupe mobile
        ("0691 28 12 34", "+590691281234"),
        ("0590 82 12 34", "+590590821234"),  # Guadeloupe fixed
        ("0696 12 34 56", "+596696123456"),  # Martinique
        ("0697 12 34 56", "+596697123456"),
        ("0596 60 12 34", "+596596601234"),  # phonenumbers alone reads it as a mainland 05 number
        ("0694 12 34 56", "+594694123456"),  # Guyane
        ("0594 29 12 34", "+594594291234"),
        ("0692 12 34 56", "+262692123456"),  # La Réunion
        ("0693 12 34 56", "+262693123456"),
        ("0262 12 34 56", "+262262123456"),
        ("06 39 01 23 45", "+262639012345"),  # Mayotte mobile
        ("0269 61 23 45", "+262269612345"),  # Mayotte fixed, not a mainland 02 number
        ("+33 6 92 12 34 56", "+262692123456"),  # dialled with France's code
        ("+262 692 12 34 56", "+262692123456"),
    ],
)
def test_overseas_numbers_dialled_from_france_are_stored_as_their_international_number(typed, e164):
    assert phone_to_e164(typed) == e164
    assert phone_search_digits(typed) == phone_search_key(e164)  # typed as dialled, it is found


@pytest.mark.parametrize("typed", ["12345", "06 12 34", "téléphone", "+33 1 23", "07 12 34 56 78", "0639 12 34 56"])
def test_invalid_phone_numbers_are_refused_in_french(typed):
    with pytest.raises(ValidationError, match="numéro de téléphone"):
        phone_to_e164(typed)


def test_phone_numbers_are_searched_in_national_form():
    assert phone_search_key("+33612345678") == "0612345678"
    assert phone_search_key("+447700900123") == "00447700900123"
    assert phone_search_digits("06 12 34") == "061234"
    assert phone_search_digits("+33 6 12") == "0612"
    assert phone_search_digits("0033 6 12") == "0612"
    assert phone_search_digits("33 6 12 34 56 78") == "0612345678"
    assert phone_search_digits("+44 7700") == "00447700"
    assert phone_search_digits("56 78") == "5678"
    assert phone_search_key("+262692123456") == "0692123456"  # overseas, dialled in national form
    assert phone_search_digits("+262 692 12") == "069212"


@pytest.mark.parametrize(
    ("city", "key"),
    [
        ("Saint-Germain-en-Laye", "saint germain en laye"),
        ("ST GERMAIN EN LAYE", "saint germain en laye"),
        ("Le Chesnay-Rocquencourt", "chesnay rocquencourt"),
        ("L'Étang-la-Ville", "letang ville"),
        ("Boulogne-Billancourt", "boulogne billancourt"),
        ("Sainte-Mesme", "sainte mesme"),
    ],
)
def test_commune_names_are_compared_without_accents_particles_or_abbreviations(city, key):
    assert place_key(city) == key


def test_emails_are_lowercased_and_checked():
    assert normalize_email(" Marie.Durand@Example.FR ") == "marie.durand@example.fr"
    with pytest.raises(ValidationError, match="adresse e-mail"):
        normalize_email("marie.durand@")


def test_nir_key_is_checked_and_corsica_handled():
    key = f"{nir_key('2850492050123'):02d}"
    assert clean_nir(f"2 85 04 92 050 123 {key}") == f"2850492050123{key}"
    corsican = "185042A123456"
    assert clean_nir(corsican + f"{nir_key(corsican):02d}").startswith("185042A")
    with pytest.raises(ValidationError, match="clé du NIR"):
        clean_nir("285049205012300")
    with pytest.raises(ValidationError, match="15 caractères"):
        clean_nir("28504920501")


@given(st.integers(min_value=1_000_000_000_000, max_value=2_999_999_999_999))
def test_every_body_with_its_computed_key_is_accepted(body):
    digits = f"{body:013d}"
    if digits[3:5] not in {f"{m:02d}" for m in range(1, 13)}:
        return  # month must be real for stdnum; other positions are free
    value = digits + f"{nir_key(digits):02d}"
    assert clean_nir(value) == value


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("12/04/1985", dt.date(1985, 4, 12)), ("1985-04-12", dt.date(1985, 4, 12)), ("1/2/2001", dt.date(2001, 2, 1))],
)
def test_french_and_iso_dates(typed, expected):
    assert parse_french_date(typed) == expected


def test_impossible_dates_are_refused_in_french():
    with pytest.raises(ValidationError, match="n'existe pas"):
        parse_french_date("30/02/1990")
    with pytest.raises(ValidationError, match="JJ/MM/AAAA"):
        parse_french_date("demain")


from relais.people.normalization import (  # noqa: E402 - grouped with the tests they serve
    damerau_levenshtein,
    deletion_variants,
    first_name_set,
    french_phonetic_key,
    name_keys,
    name_without_particles,
    names_match_crosswise,
    swapped_day_month,
)


def test_particles_and_compound_names():
    assert name_without_particles("de La Fontaine") == "fontaine"
    assert name_without_particles("Le Goff") == "goff"
    assert {"martin dupont", "martindupont", "martin", "dupont"} <= name_keys("Martin--Dupont")
    assert "destienne" in name_keys("d'Estienne") or "estienne" in name_keys("d'Estienne")


def test_birth_and_usage_names_are_compared_crosswise():
    assert names_match_crosswise("LEFEVRE", "MARTIN", "Martin", "")
    assert names_match_crosswise("Durand", "", "Bernard", "Durand-Bernard")
    assert not names_match_crosswise("Durand", "", "Bernard", "")


def test_first_name_sets_keep_compound_names_and_their_parts():
    assert first_name_set("Jean-Pierre, Marie") == ["jean pierre", "marie", "jean", "pierre"]


@pytest.mark.parametrize(
    ("a", "b"),
    [("Lefèvre", "Lefebvre"), ("Dupont", "Dupond"), ("Philippe", "Filipe"), ("Fontaine", "Fontène"), ("Pelletier", "Peletier"),
     ("Renaud", "Renault"), ("Gauthier", "Gautier"), ("Thomas", "Tomas"), ("Michaud", "Michaut"), ("Kévin", "Kevyn")],
)  # fmt: skip
def test_french_phonetic_keys_equal_for_names_that_sound_alike(a, b):
    assert french_phonetic_key(a) == french_phonetic_key(b)


@pytest.mark.parametrize(("a", "b"), [("Martin", "Bernard"), ("Dupont", "Durand"), ("Marie", "Mario"), ("Leroy", "Lebrun")])
def test_french_phonetic_keys_differ_for_different_names(a, b):
    assert french_phonetic_key(a) != french_phonetic_key(b)


def test_one_typo_always_shares_a_deletion_variant():
    for typo in ["dupnt", "duppont", "dupotn", "dupomt"]:
        assert deletion_variants("dupont") & deletion_variants(typo)
        assert damerau_levenshtein("dupont", typo) == 1


def test_day_and_month_swapped():
    assert swapped_day_month(dt.date(1985, 4, 12)) == dt.date(1985, 12, 4)
    assert swapped_day_month(dt.date(1985, 4, 25)) is None
