import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from relais.appointments.models import Participant
from relais.appointments.services import Actor, appointment_book
from relais.exchanges.models import ExchangePerson
from relais.people.merging import MergeRefused, merge_undo, person_start_editing, persons_merge
from relais.people.models import ContactPoint, HouseholdMember, Person, PersonOrganisation, SourceRecord
from relais.people.policies import duplicate_reviewer
from relais.people.selectors import person_search
from relais.people.services import person_data_from, person_update
from relais.requests.services import RequestActor, request_register
from relais.territory.models import Agent
from relais.territory.policies import agent_access_scope
from tests.exchanges.factories import ExchangeFactory
from tests.people.factories import PersonFactory
from tests.territory.factories import AgentFactory, OrganisationFactory, ServiceFactory


@pytest.fixture
def twin_records(world):
    """The same woman typed in the 92's base (birth name, mobile) and in the 78's (usage name, e-mail)."""
    in_92 = PersonFactory(
        birth_name="LEFEVRE", usage_name="", first_names="Élodie", birth_date=dt.date(1985, 4, 12), city="Nanterre",
        organisations=[world.org92], phones=["+33612345678"],
    )  # fmt: skip
    in_78 = PersonFactory(
        birth_name="Lefèvre", usage_name="Martin", first_names="Élodie, Marie", birth_date=dt.date(1985, 4, 12), city="Versailles",
        postcode="78000", organisations=[world.org78], emails=["elodie.martin@example.fr"], phones=["+33612345678"],
    )  # fmt: skip
    SourceRecord.objects.create(person=in_92, source="GRC92", source_id="A1")
    SourceRecord.objects.create(person=in_78, source="GRC78", source_id="B7")
    return in_92, in_78


def scope_of(agent):
    return agent_access_scope(agent)


def reviewer_of(agent):  # type: ignore[no-untyped-def]
    """The agent given the merge permission: they review the pairs whose records they see (the
    adoption worker, through the shared service, sees both départements)."""
    from django.contrib.auth.models import Permission

    agent.user_permissions.add(Permission.objects.get(codename="merge_person"))
    return duplicate_reviewer(Agent.objects.get(pk=agent.pk))


def test_merge_moves_everything_keeps_provenance_and_hides_the_absorbed_record(world, twin_records, booking, procedure):
    kept, absorbed = twin_records
    exchange = ExchangeFactory(persons=[absorbed], organisation=world.org78, service=world.accueil78, agent=world.agent78)
    shared = ExchangeFactory(persons=[kept, absorbed], organisation=world.org92, service=world.accueil92, agent=world.agent92)
    appointment = appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(9), persons=[absorbed],
        actor=Actor.for_scope(scope_of(world.agent92), booking.motive),
    )  # fmt: skip
    request = request_register(
        procedure=procedure, person=absorbed, channel="email", subject="APA", actor=RequestActor(label="x", agent=world.agent92)
    )
    child = PersonFactory(birth_name="Martin", first_names="Léa", organisations=[world.org78])
    from relais.people.services import household_add_member

    household_add_member(person=absorbed, member=child, role="child", scope=scope_of(world.agent78))
    adoption = reviewer_of(world.adoption_agent)

    merge = persons_merge(
        kept=kept, absorbed=absorbed, acting_user=world.adoption_agent, reviewer=adoption, choices={"city": "absorbed"}
    )

    kept.refresh_from_db()
    assert (kept.usage_name, kept.first_names, kept.city, kept.postcode) == ("Martin", "Élodie, Marie", "Versailles", "78000")
    # The accented spelling wins over the capitals; each value remembers which base it came from.
    assert kept.birth_name == "Lefèvre" and kept.field_sources["birth_name"] == "GRC78:B7"
    assert kept.field_sources["usage_name"] == "GRC78:B7" and kept.field_sources["birth_date"] == "GRC92:A1"
    assert set(ExchangePerson.objects.filter(exchange__in=[exchange, shared]).values_list("person_id", flat=True)) == {kept.pk}
    assert Participant.objects.get(appointment=appointment).person_id == kept.pk
    request.refresh_from_db()
    assert request.person_id == kept.pk
    assert HouseholdMember.objects.get(person=kept).household == HouseholdMember.objects.get(person=child).household
    assert set(kept.organisations.values_list("code", flat=True)) == {"78", "92"}
    assert sorted(ContactPoint.objects.filter(person=kept).values_list("value", flat=True)) == [
        "+33612345678",
        "elodie.martin@example.fr",
    ]
    assert set(SourceRecord.objects.filter(person=kept).values_list("source", flat=True)) == {"GRC78", "GRC92"}
    absorbed.refresh_from_db()
    assert absorbed.merged_into_id == kept.pk and merge.automatic is False and merge.merged_by == world.adoption_agent
    # The absorbed record no longer appears anywhere; its usage name now finds the kept one.
    assert [p.pk for p in person_search(scope=scope_of(world.agent78), query="Martin Élodie")] == [kept.pk]
    client = world.client_for(world.agent78)
    response = client.get(f"/usagers/{absorbed.public_id}/")
    assert response.status_code == 302 and response["Location"] == f"/usagers/{kept.public_id}/"


def test_undo_puts_back_exactly_what_moved_and_leaves_new_exchanges_with_the_merged_person(world, twin_records):
    kept, absorbed = twin_records
    old = ExchangeFactory(persons=[absorbed], organisation=world.org78, service=world.accueil78, agent=world.agent78)
    kept_own = ExchangeFactory(persons=[kept], organisation=world.org92, service=world.accueil92, agent=world.agent92)
    both = ExchangeFactory(persons=[kept, absorbed], organisation=world.org92, service=world.accueil92, agent=world.agent92)
    merge = persons_merge(
        kept=kept, absorbed=absorbed, acting_user=world.adoption_agent, reviewer=reviewer_of(world.adoption_agent)
    )
    after_merge = ExchangeFactory(persons=[kept], organisation=world.org78, service=world.accueil78, agent=world.agent78)
    # An agent corrects the first names after the merge: the undo must not throw that away.
    kept.refresh_from_db()
    data = person_data_from(kept)
    data.first_names = "Élodie, Marie, Jeanne"
    person_update(person=kept, data=data, expected_version=kept.version, scope=scope_of(world.agent92), acting_user=world.agent92)

    merge_undo(merge=merge, acting_user=world.adoption_agent)

    def persons_of(exchange):
        return set(ExchangePerson.objects.filter(exchange=exchange).values_list("person_id", flat=True))

    assert persons_of(old) == {absorbed.pk}
    assert persons_of(kept_own) == {kept.pk}
    assert persons_of(both) == {kept.pk, absorbed.pk}
    assert persons_of(after_merge) == {kept.pk}
    kept.refresh_from_db()
    absorbed.refresh_from_db()
    assert absorbed.merged_into_id is None
    assert (kept.usage_name, kept.city, kept.first_names) == ("", "Nanterre", "Élodie, Marie, Jeanne")
    assert kept.field_sources["first_names"].startswith("saisie:")
    assert set(absorbed.organisations.values_list("code", flat=True)) == {"78"}
    # The 78 still deals with the kept person through the exchange added after the merge.
    assert set(kept.organisations.values_list("code", flat=True)) == {"78", "92"}
    assert sorted(ContactPoint.objects.filter(person=absorbed).values_list("value", flat=True)) == [
        "+33612345678",
        "elodie.martin@example.fr",
    ]
    assert list(ContactPoint.objects.filter(person=kept).values_list("value", flat=True)) == ["+33612345678"]
    with pytest.raises(MergeRefused, match="déjà été annulée"):
        merge_undo(merge=merge, acting_user=world.adoption_agent)


def test_the_address_moves_whole_and_a_choice_splitting_it_is_refused(world, twin_records):
    kept, absorbed = twin_records
    kept.address, kept.postcode, kept.city = "3 rue des Lilas", "", ""  # the 92's base lost the commune
    kept.save()
    reviewer = reviewer_of(world.adoption_agent)
    with pytest.raises(MergeRefused, match="L'adresse se garde en entier"):
        persons_merge(
            kept=kept, absorbed=absorbed, acting_user=None, reviewer=reviewer, choices={"address": "absorbed", "city": "kept"}
        )
    assert Person.objects.get(pk=absorbed.pk).merged_into_id is None
    # Keeping one's own address does not borrow the other record's postcode to fill the gap.
    persons_merge(kept=kept, absorbed=absorbed, acting_user=None, reviewer=reviewer, choices={"address": "kept"})
    kept.refresh_from_db()
    assert (kept.address, kept.postcode, kept.city) == ("3 rue des Lilas", "", "")


def test_merge_is_refused_while_an_agent_is_editing_one_of_the_records(world, twin_records):
    kept, absorbed = twin_records
    person_start_editing(person=absorbed, agent=world.agent78)
    with pytest.raises(MergeRefused, match="modifie la fiche"):
        persons_merge(kept=kept, absorbed=absorbed, acting_user=world.adoption_agent, reviewer=reviewer_of(world.adoption_agent))
    assert Person.objects.get(pk=absorbed.pk).merged_into_id is None
    # Saving the edit releases it.
    absorbed.refresh_from_db()
    data = person_data_from(absorbed)
    person_update(
        person=absorbed, data=data, expected_version=absorbed.version, scope=scope_of(world.agent78), acting_user=world.agent78
    )
    persons_merge(kept=kept, absorbed=absorbed, acting_user=world.adoption_agent, reviewer=reviewer_of(world.adoption_agent))
    assert Person.objects.get(pk=absorbed.pk).merged_into_id == kept.pk


def test_merge_is_refused_if_a_record_changed_since_the_reviewer_looked(world, twin_records):
    kept, absorbed = twin_records
    seen = (kept.version, absorbed.version)
    data = person_data_from(kept)
    data.city = "Rueil-Malmaison"
    person_update(person=kept, data=data, expected_version=kept.version, scope=scope_of(world.agent92), acting_user=world.agent92)
    with pytest.raises(MergeRefused, match="modifiée depuis"):
        persons_merge(
            kept=kept,
            absorbed=absorbed,
            acting_user=world.adoption_agent,
            reviewer=reviewer_of(world.adoption_agent),
            expected_versions=seen,
        )
    assert PersonOrganisation.objects.filter(person=absorbed).exists()


def test_only_a_reviewer_of_one_of_the_records_may_merge_them(world, twin_records):
    kept, absorbed = twin_records
    # A reception agent does not merge, even given the permission when one record is beyond their scope.
    with pytest.raises(PermissionDenied):
        persons_merge(kept=kept, absorbed=absorbed, acting_user=world.agent92, reviewer=duplicate_reviewer(world.agent92))
    with pytest.raises(PermissionDenied):
        persons_merge(kept=kept, absorbed=absorbed, acting_user=world.agent92, reviewer=reviewer_of(world.agent92))
    with pytest.raises(PermissionDenied):
        persons_merge(kept=kept, absorbed=absorbed, acting_user=world.caf_agent, reviewer=reviewer_of(world.caf_agent))
    # A manager of an organisation knowing neither record does not either; the 92's manager does.
    org95 = OrganisationFactory(code="95")
    manager95 = AgentFactory(memberships=[(org95, ServiceFactory(organisations=[org95]), "manager")])
    with pytest.raises(PermissionDenied):
        persons_merge(kept=kept, absorbed=absorbed, acting_user=manager95, reviewer=duplicate_reviewer(manager95))
    manager92 = AgentFactory(memberships=[(world.org92, world.accueil92, "manager")])
    merge = persons_merge(kept=kept, absorbed=absorbed, acting_user=manager92, reviewer=duplicate_reviewer(manager92))
    assert merge.merged_by == manager92 and Person.objects.get(pk=absorbed.pk).merged_into_id == kept.pk


def test_contacts_proposed_online_follow_a_merge_and_its_undo(world, twin_records):
    from django.urls import reverse

    from relais.people.models import ProposedContact

    kept, absorbed = twin_records
    proposal = ProposedContact.objects.create(
        person=absorbed, kind="email", value="nouvelle@example.fr", origin="demande en ligne"
    )
    adoption = reviewer_of(world.adoption_agent)
    merge = persons_merge(kept=kept, absorbed=absorbed, acting_user=world.adoption_agent, reviewer=adoption)
    page = world.client_for(world.agent92).get(reverse("people:detail", args=[kept.public_id])).content.decode()
    assert "nouvelle@example.fr" in page and "Confirmer" in page
    merge_undo(merge=merge, acting_user=world.adoption_agent)
    proposal.refresh_from_db()
    assert proposal.person == absorbed


def test_messages_sent_to_the_absorbed_record_follow_the_merge_and_go_back_on_undo(world, twin_records):
    from relais.notifications.models import OutgoingMessage

    kept, absorbed = twin_records

    def message_to(person, kind):  # type: ignore[no-untyped-def]
        return OutgoingMessage.objects.create(
            channel="email", recipient="elodie.martin@example.fr", body="Bonjour", kind=kind, person=person
        )

    before, own = message_to(absorbed, "request_acknowledgement"), message_to(kept, "appointment_confirmation")
    merge = persons_merge(
        kept=kept, absorbed=absorbed, acting_user=world.adoption_agent, reviewer=reviewer_of(world.adoption_agent)
    )
    assert set(OutgoingMessage.objects.filter(person=kept).values_list("pk", flat=True)) == {before.pk, own.pk}
    assert merge.moved["outgoing_messages"] == [before.pk]
    after = message_to(kept, "appointment_reminder")

    merge_undo(merge=merge, acting_user=world.adoption_agent)

    assert list(OutgoingMessage.objects.filter(person=absorbed).values_list("pk", flat=True)) == [before.pk]
    assert set(OutgoingMessage.objects.filter(person=kept).values_list("pk", flat=True)) == {own.pk, after.pk}


def _rows_pointing_to(*persons: Person) -> dict[str, list[str]]:
    """For every relation a merge handler moves, the rows pointing to these persons, compared by
    content (a duplicate link dropped by the merge comes back on undo as a new row)."""
    from django.apps import apps

    from relais.people import merge_registry

    rows: dict[str, list[str]] = {}
    for handler in merge_registry.merge_handlers():
        for label in handler.relations:
            app_label, model_name, field = label.split(".")
            model = apps.get_model(app_label, model_name)
            columns = [
                f.attname
                for f in model._meta.concrete_fields
                if not f.primary_key and not getattr(f, "auto_now", False) and not getattr(f, "auto_now_add", False)
            ]
            queryset = model._default_manager.filter(**{f"{field}__in": persons})
            rows[label] = sorted(repr(values) for values in queryset.values_list(*columns))
    return rows


def test_merge_then_undo_leaves_every_apps_rows_where_they_were(world, twin_records, booking, procedure):
    from relais.evaluation.models import Questionnaire, SurveyInvitation
    from relais.notifications.models import OutgoingMessage
    from relais.people.models import ProposedContact
    from relais.people.services import household_add_member
    from tests.insertion.factories import CandidateProfileFactory

    kept, absorbed = twin_records
    ExchangeFactory(persons=[absorbed], organisation=world.org78, service=world.accueil78, agent=world.agent78)
    ExchangeFactory(persons=[kept, absorbed], organisation=world.org92, service=world.accueil92, agent=world.agent92)
    appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(9), persons=[absorbed, kept],
        actor=Actor.for_scope(scope_of(world.agent92), booking.motive),
    )  # fmt: skip
    appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(10), persons=[absorbed],
        actor=Actor.for_scope(scope_of(world.agent92), booking.motive),
    )  # fmt: skip
    request_register(
        procedure=procedure, person=absorbed, channel="email", subject="APA", actor=RequestActor(label="x", agent=world.agent92)
    )
    child = PersonFactory(birth_name="Martin", first_names="Léa", organisations=[world.org78])
    household_add_member(person=absorbed, member=child, role="child", scope=scope_of(world.agent78))
    ProposedContact.objects.create(person=absorbed, kind="email", value="nouvelle@example.fr", origin="demande en ligne")
    OutgoingMessage.objects.create(
        channel="sms", recipient="+33612345678", body="Rappel", kind="appointment_reminder", person=absorbed
    )
    CandidateProfileFactory(person=absorbed, organisation=world.org78)
    SurveyInvitation.objects.create(
        questionnaire=Questionnaire.objects.create(name="Avis"), person=absorbed, token_hash="0" * 64, channel="sms",
        visit_key="exchange:test", visit_date=dt.date(2026, 3, 2), expires_at=timezone.now(),
    )  # fmt: skip
    before = _rows_pointing_to(kept, absorbed)
    organisations = [set(person.organisations.values_list("code", flat=True)) for person in (kept, absorbed)]
    # Every handler has rows of the absorbed record to move here: a new one needs its rows in this test.
    assert [label for label, rows in _rows_pointing_to(absorbed).items() if not rows] == []

    merge = persons_merge(
        kept=kept, absorbed=absorbed, acting_user=world.adoption_agent, reviewer=reviewer_of(world.adoption_agent)
    )
    assert _rows_pointing_to(kept, absorbed) != before
    merge_undo(merge=merge, acting_user=world.adoption_agent)

    assert _rows_pointing_to(kept, absorbed) == before
    assert [set(person.organisations.values_list("code", flat=True)) for person in (kept, absorbed)] == organisations
