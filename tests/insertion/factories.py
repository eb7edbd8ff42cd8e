import datetime as dt
import itertools

import factory
from stdnum import luhn

from relais.insertion.models import (
    CandidateProfile,
    Company,
    CompanySite,
    ContractType,
    EmployerContact,
    Offer,
    Proposal,
    RomeMetier,
)
from relais.territory.models import Commune
from tests.people.factories import PersonFactory
from tests.territory.factories import OrganisationFactory

_sirens = itertools.count(10000001)


def valid_siret() -> str:
    """A fresh SIRET with its Luhn key (13 digits + key)."""
    siren = f"{next(_sirens):08d}"
    siren += luhn.calc_check_digit(siren)  # the SIREN has its own key
    body = siren + "0001"
    return body + luhn.calc_check_digit(body)


def commune(code: str = "92050") -> Commune:
    return Commune.objects.get(insee_code=code)


def metier(code: str = "G1602") -> RomeMetier:
    return RomeMetier.objects.get(code=code)


class CompanyFactory(factory.django.DjangoModelFactory):
    """CompanyFactory(organisations=[org]) puts the company in those départements' portfolio."""

    class Meta:
        model = Company
        skip_postgeneration_save = True

    siret = factory.LazyFunction(valid_siret)
    name = factory.Sequence(lambda n: f"Entreprise {n}")
    naf_code = "56.10A"
    address = "1 rue de la République"
    commune = factory.LazyFunction(commune)

    @factory.post_generation
    def organisations(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create and extracted:
            self.organisations.set(extracted)


class CompanySiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompanySite

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Établissement {n}")
    commune = factory.LazyFunction(commune)


class EmployerContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmployerContact

    company = factory.SubFactory(CompanyFactory)
    first_name = "Claire"
    last_name = factory.Sequence(lambda n: f"Recruteuse{n}")
    role = "Responsable des ressources humaines"
    email = factory.Sequence(lambda n: f"rh{n}@entreprise.example.fr")


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    company = factory.SubFactory(CompanyFactory)
    metier = factory.LazyFunction(metier)
    contract_type = ContractType.CDI
    weekly_hours = 35
    commune = factory.LazyFunction(commune)
    positions = 1
    start_date = dt.date(2027, 1, 4)
    skills = factory.LazyFunction(lambda: ["Hygiène alimentaire", "Travail en équipe"])
    status = Offer.Status.PUBLISHED
    published_from = dt.date(2026, 12, 1)

    class Params:
        draft = factory.Trait(status=Offer.Status.DRAFT, published_from=None)


class CandidateProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CandidateProfile
        skip_postgeneration_save = True

    person = factory.SubFactory(PersonFactory, commune_code="92050", city="Nanterre")
    organisation = factory.SubFactory(OrganisationFactory, code="92")
    skills = factory.LazyFunction(lambda: ["Hygiène alimentaire"])
    experience = "Deux ans en restauration collective."
    education_level = 3
    hours_min = 20
    hours_max = 35
    available_from = dt.date(2026, 12, 15)
    constraints = "Garde d'enfant jusqu'à 16 h 30."

    @factory.post_generation
    def desired_metiers(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            self.desired_metiers.set(extracted if extracted is not None else [metier("G1602")])


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal

    profile = factory.SubFactory(CandidateProfileFactory)
    offer = factory.SubFactory(OfferFactory)
    score = 0.8
    reasons = factory.LazyFunction(lambda: ["Métier recherché"])
