import datetime as dt

import factory

from relais.people.building import PersonData, person_build
from relais.people.models import ContactPoint, Person, PersonOrganisation
from relais.people.search import person_index


class PersonFactory(factory.django.DjangoModelFactory):
    """PersonFactory(organisations=[org]) makes the person known to those organisations."""

    class Meta:
        model = Person
        skip_postgeneration_save = True

    birth_name = factory.Sequence(lambda n: f"Durand{n}")
    first_names = "Marie, Hélène"
    sex = "F"
    birth_date = dt.date(1985, 4, 12)
    city = "Nanterre"
    postcode = "92000"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Built by the one person builder, as every path creating a person does: the same rules and
        # normalisation, the same search fields. Fields that are not identity (created_by…) are set after.
        identity = {name: kwargs.pop(name) for name in PersonData.IDENTITY_FIELDS if name in kwargs}
        person = person_build(PersonData(**identity))
        for name, value in kwargs.items():
            setattr(person, name, value)
        person.save()
        person_index([person], replace=False)
        return person

    @factory.post_generation
    def organisations(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        for organisation in extracted or []:
            PersonOrganisation.objects.create(person=self, organisation=organisation)

    @factory.post_generation
    def phones(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        for i, value in enumerate(extracted or []):
            ContactPoint.objects.create(person=self, kind="phone", value=value, position=i)

    @factory.post_generation
    def emails(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        for i, value in enumerate(extracted or []):
            ContactPoint.objects.create(person=self, kind="email", value=value, position=i)
