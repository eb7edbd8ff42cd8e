import factory
from django.contrib.auth.hashers import make_password

from relais.territory.models import Agent, Membership, Organisation, Service, Site

PASSWORD = "mot-de-passe-de-test-2026"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ORG{n}")
    name = factory.LazyAttribute(lambda o: f"Organisation {o.code}")
    kind = Organisation.Kind.DEPARTEMENT

    class Params:
        partner = factory.Trait(kind=Organisation.Kind.PARTNER)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"SVC-{n}")
    name = factory.Sequence(lambda n: f"Service {n}")
    email = "service@example.fr"
    phone = "01 39 07 78 78"

    class Params:
        sensitive = factory.Trait(is_sensitive=True)

    @factory.post_generation
    def organisations(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create and extracted:
            self.organisations.set(extracted)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    kind = Site.Kind.SOCIAL_CENTRE


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"agent{n}@example.fr")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Agent{n}")
    # Hashed when used, with the fast hasher the test settings choose.
    password = factory.LazyFunction(lambda: make_password(PASSWORD))

    @factory.post_generation
    def memberships(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        """AgentFactory(memberships=[(organisation, service), …]) or [(organisation, service, role)]."""
        for entry in extracted or []:
            organisation, service, *role = entry
            Membership.objects.create(agent=self, organisation=organisation, service=service, role=role[0] if role else "agent")
