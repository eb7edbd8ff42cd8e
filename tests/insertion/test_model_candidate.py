import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from relais.insertion.models import CandidateProfile
from relais.insertion.pseudonymisation import ConsentMissing, candidate_pseudonym, candidate_pseudonymised
from relais.insertion.services import profile_create, profile_update
from relais.privacy.models import AccessLog
from tests.insertion.factories import CandidateProfileFactory, metier
from tests.people.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_hours_min_above_max_is_refused_in_french_and_by_the_database(world, insertion):
    person = PersonFactory(organisations=[world.org92])
    with pytest.raises(ValidationError) as refused:
        profile_create(scope=insertion.scope92, person=person, organisation=world.org92, hours_min=30, hours_max=20)
    assert refused.value.message_dict["hours_max"] == ["Le nombre d'heures maximum doit être supérieur ou égal au minimum."]
    with pytest.raises(IntegrityError):
        CandidateProfileFactory(person=person, organisation=world.org92, hours_min=30, hours_max=20)


def test_a_profile_is_created_once_per_person_and_the_creation_is_in_the_access_log(world, insertion):
    person = PersonFactory(organisations=[world.org92])
    profile = profile_create(
        scope=insertion.scope92, person=person, organisation=world.org92, desired_metiers=[metier("K2204")], hours_max=24
    )
    assert list(profile.desired_metiers.values_list("code", flat=True)) == ["K2204"]
    entry = AccessLog.objects.get(person_id=person.pk)
    assert (entry.action, entry.actor_id, entry.detail) == (
        AccessLog.Action.CREATE,
        insertion.agent92.pk,
        "Profil d'insertion créé",
    )
    with pytest.raises(ValidationError, match=r"déjà un profil"):
        profile_create(scope=insertion.scope92, person=person, organisation=world.org92)


def test_consent_is_dated_when_given_and_cleared_when_withdrawn(world, insertion):
    profile = CandidateProfileFactory(person=PersonFactory(organisations=[world.org92]))
    profile = profile_update(scope=insertion.scope92, profile=profile, consent_shared=True)
    assert profile.consent_at is not None
    assert AccessLog.objects.filter(person_id=profile.person_id, action=AccessLog.Action.EDIT).count() == 1
    profile = profile_update(scope=insertion.scope92, profile=profile, consent_shared=False)
    assert profile.consent_at is None
    with pytest.raises(IntegrityError):
        CandidateProfile.objects.filter(pk=profile.pk).update(consent_shared=True)


def test_the_pseudonymised_profile_names_no_one_and_its_pseudonym_is_stable(world, person92):
    person92.commune_code = "92050"
    person92.save()
    profile = CandidateProfileFactory(
        person=person92, consent_shared=True, consent_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC), skills=["Service en salle"]
    )
    shared = candidate_pseudonymised(profile)
    text = repr(shared).lower()
    for secret in ("lefèvre", "martin-dupont", "élodie", "elodie.martin", "612345678", "1985", "garde d'enfant"):
        assert secret not in text
    assert shared["commune"] == "Nanterre"
    assert shared["desired_metiers"] == [{"code": "G1602", "label": "Personnel de cuisine"}]
    assert shared["education_level_label"] == "CAP, BEP"
    assert shared["pseudonym"] == candidate_pseudonym(profile) == candidate_pseudonymised(profile)["pseudonym"]
    assert shared["pseudonym"].startswith("Candidat·e ") and len(shared["pseudonym"]) == len("Candidat·e ") + 6
    other = CandidateProfileFactory(person=PersonFactory(organisations=[world.org92]))
    assert candidate_pseudonym(other) != shared["pseudonym"]


def test_the_pseudonymised_profile_needs_the_person_consent(world):
    profile = CandidateProfileFactory(person=PersonFactory(organisations=[world.org92]))
    with pytest.raises(ConsentMissing, match=r"n'a pas consenti"):
        candidate_pseudonymised(profile)
    assert "pseudonym" in candidate_pseudonymised(profile, require_consent=False)
