"""The commune a citizen types on the portal: by name or postcode, sorted the French way, limited to
the motive's territory, with a clear French answer when it is ambiguous or out of reach."""

import html

from django.urls import reverse

from relais.territory.models import Commune
from tests.appointments.factories import MotiveFactory


def _place(client, motive, commune=None):
    params = {"commune": commune} if commune is not None else {}
    return client.get(reverse("portal:place", args=[motive.public_id]), params)


def _at_nanterre(booking):
    booking.site.commune = Commune.objects.get(name="Nanterre")
    booking.site.save()
    opening = booking.agenda.openings.get()
    opening.site = booking.site
    opening.save()


def test_the_list_offers_the_motives_communes_by_name_and_postcode_sorted_the_french_way(world, booking, client):
    _at_nanterre(booking)
    page = _place(client, booking.motive)
    suggestions = page.context["form"].suggestions()
    # A motive offered only in the 92: the 36 communes of the 92, none of the 78.
    assert len(suggestions) == Commune.objects.filter(department="92").count()
    assert "Nanterre (92000)" in suggestions and "Versailles (78000)" not in suggestions
    assert not any("92050" in label for label in suggestions)  # no INSEE code, read as a postcode
    assert suggestions.index("Châtillon (92320)") < suggestions.index("Chaville (92370)") < suggestions.index("Clamart (92140)")
    text = page.content.decode()
    assert '<datalist id="communes">' in text and 'list="communes"' in text


def test_a_commune_is_found_by_name_postcode_or_label_and_sorts_the_sites(world, booking, client):
    _at_nanterre(booking)
    for typed in ("Nanterre (92000)", "nanterre", "92000", "NANTERRE "):
        page = _place(client, booking.motive, typed)
        assert page.context["form"].is_valid(), typed
        assert page.context["form"].cleaned_data["commune"].name == "Nanterre"
        assert page.context["sites"][0] == (booking.site, 0.0)


def test_accents_are_ignored_and_the_78_sorts_ecquevilly_among_the_e(world, client):
    motive = MotiveFactory(service=world.accueil78, name="Information 78")
    page = _place(client, motive, "ecquevilly")
    assert page.context["form"].cleaned_data["commune"].name == "Ecquevilly"
    labels = page.context["form"].suggestions()
    assert len(labels) == Commune.objects.filter(department="78").count()
    assert labels.index("Élancourt (78990)") < labels.index("Épône (78680)") < labels.index("Évecquemont (78740)")
    assert labels.index("Évecquemont (78740)") < labels.index("Fontenay-le-Fleury (78330)")
    page = _place(client, motive, "saint germain en laye")
    assert page.context["form"].cleaned_data["commune"].name == "Saint-Germain-en-Laye"
    assert _place(client, motive, "78112").context["form"].cleaned_data["commune"].name == "Saint-Germain-en-Laye"


def test_a_shared_service_is_for_both_departements(world, client):
    motive = MotiveFactory(service=world.adoption, name="Information adoption")
    labels = _place(client, motive).context["form"].suggestions()
    assert "Versailles (78000)" in labels and "Nanterre (92000)" in labels


def test_an_ambiguous_or_unknown_commune_gets_a_clear_french_error(world, booking, client):
    _at_nanterre(booking)
    page = _place(client, booking.motive, "92190")  # Meudon's postcode, but unambiguous
    assert page.context["form"].cleaned_data["commune"].name == "Meudon"
    page = _place(client, booking.motive, "Versailles")
    assert page.context["form"].errors["commune"] == ["Ce rendez-vous n'est pas proposé aux habitants de Versailles."]
    for typed, said in (("Ecquevilly", "d'Ecquevilly"), ("Le Chesnay-Rocquencourt", "du Chesnay-Rocquencourt"),
                        ("Les Mureaux", "des Mureaux"), ("Élancourt", "d'Élancourt")):  # fmt: skip
        assert _place(client, booking.motive, typed).context["form"].errors["commune"] == [
            f"Ce rendez-vous n'est pas proposé aux habitants {said}."
        ]
    page = _place(client, booking.motive, "Chât")
    assert page.context["form"].errors["commune"] == [
        "Plusieurs communes correspondent à « Chât » : Châtenay-Malabry (92290), Châtillon (92320). Précisez le nom."
    ]
    page = _place(client, booking.motive, "Gotham")
    assert "Nous ne trouvons pas de commune « Gotham »" in html.unescape(page.content.decode())
    assert page.context["sites"]  # the places are still listed, unsorted


def test_a_motive_restricted_to_some_communes_offers_only_those(world, booking, client):
    _at_nanterre(booking)
    restricted = MotiveFactory(service=world.accueil92, name="Permanence de Clichy")
    restricted.communes.set(Commune.objects.filter(name__in=["Clichy", "Levallois-Perret"]))
    assert _place(client, restricted).context["form"].suggestions() == ["Clichy (92110)", "Levallois-Perret (92300)"]
    page = _place(client, restricted, "Nanterre")
    assert page.context["form"].errors["commune"] == [
        "Ce motif est réservé aux habitants de certaines communes : Nanterre n'en fait pas partie."
    ]
