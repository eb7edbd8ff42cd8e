import pytest
from django.db import IntegrityError

from relais.insertion.models import RomeAppellation, RomeMetier

pytestmark = pytest.mark.django_db


def test_the_rome_subset_is_loaded_by_the_migration_with_its_domains():
    assert RomeMetier.objects.count() >= 50
    kitchen = RomeMetier.objects.get(code="G1602")
    assert kitchen.label == "Personnel de cuisine"
    assert kitchen.domain == "G16"
    assert RomeMetier.objects.get(code="K2503").label == "Sécurité et surveillance privées"
    assert set(RomeMetier.objects.values_list("code", flat=True).filter(domain="K13")) >= {"K1302", "K1304"}
    assert kitchen.appellations.filter(label="Commis / Commise de cuisine").exists()
    assert not RomeMetier.objects.filter(appellations__isnull=True).exists()


def test_the_domain_is_always_the_first_three_characters_of_the_code():
    metier = RomeMetier(code="G1605", label="Plonge en restauration", domain="ZZZ")
    metier.save()
    assert metier.domain == "G16"
    with pytest.raises(IntegrityError):
        RomeMetier.objects.filter(code="G1605").update(domain="K13")


def test_an_appellation_is_unique_per_metier_and_label():
    with pytest.raises(IntegrityError):
        RomeAppellation.objects.create(metier_id="G1602", label="Commis / Commise de cuisine")
