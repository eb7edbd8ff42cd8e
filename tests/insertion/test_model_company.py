import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from relais.insertion.models import Company, naf_normalise
from relais.insertion.services import company_create
from tests.insertion.factories import CompanyFactory, commune, valid_siret

pytestmark = pytest.mark.django_db


def test_a_siret_with_a_wrong_key_is_refused_in_french(world):
    siret = valid_siret()
    wrong = siret[:-1] + str((int(siret[-1]) + 1) % 10)
    with pytest.raises(ValidationError) as refused:
        company_create(actor=world.agent92, organisations=[world.org92], siret=wrong, name="Le Bistrot", commune=commune())
    assert refused.value.message_dict["siret"] == [
        f"Le numéro SIRET « {wrong} » n'est pas valide : il compte 14 chiffres dont le dernier est une clé de contrôle."
    ]
    assert not Company.objects.exists()


@pytest.mark.parametrize("value", ["1234", "abcdefghijklmn", ""])
def test_a_siret_that_is_not_14_digits_is_refused(value):
    company = Company(siret=value, name="X", commune=commune())
    with pytest.raises(ValidationError) as refused:
        company.full_clean(exclude=["organisations"])
    assert "siret" in refused.value.message_dict


def test_a_valid_siret_is_stored_without_spaces_and_is_unique(world):
    siret = valid_siret()
    spaced = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
    company = company_create(
        actor=world.agent92, organisations=[world.org92], siret=spaced, name="Hôtel du Parc", commune=commune()
    )
    assert company.siret == siret
    assert company.account_manager == world.agent92
    assert list(company.organisations.all()) == [world.org92]
    with pytest.raises(IntegrityError):
        Company.objects.create(siret=siret, name="Doublon", commune=commune())


def test_the_database_refuses_a_siret_that_is_not_14_digits():
    with pytest.raises(IntegrityError):
        Company.objects.create(siret="12345", name="X", commune=commune())


@pytest.mark.parametrize("raw, stored", [("5610a", "56.10A"), ("56 10 A", "56.10A"), ("81.21Z", "81.21Z")])
def test_a_naf_code_is_written_as_the_insee_does(raw, stored):
    assert naf_normalise(raw) == stored
    company = CompanyFactory.build(naf_code=raw)
    company.full_clean(exclude=["organisations"])
    assert company.naf_code == stored


@pytest.mark.parametrize("raw", ["56.1", "5610", "AB.10A", "56.10AB"])
def test_a_malformed_naf_code_is_refused_in_french(raw):
    company = CompanyFactory.build(naf_code=raw)
    with pytest.raises(ValidationError) as refused:
        company.full_clean(exclude=["organisations"])
    assert (
        "Le code NAF s'écrit avec deux chiffres, un point, deux chiffres et une lettre (ex. 56.10A)."
        in refused.value.message_dict["naf_code"]
    )
