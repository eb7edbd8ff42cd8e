"""A person has at most one candidate profile: how profiles follow a merge of two records."""

import pytest

from relais.insertion.models import CandidateProfile
from relais.people.merging import merge_undo, persons_merge
from tests.insertion.factories import CandidateProfileFactory, ProposalFactory
from tests.people.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_the_profile_of_the_absorbed_record_moves_when_the_kept_one_has_none_and_comes_back_on_undo(world):
    kept, absorbed = PersonFactory(organisations=[world.org92]), PersonFactory(organisations=[world.org92])
    profile = CandidateProfileFactory(person=absorbed)
    proposal = ProposalFactory(profile=profile)
    merge = persons_merge(kept=kept, absorbed=absorbed, acting_user=None)
    profile.refresh_from_db()
    assert profile.person == kept and profile.is_active
    assert proposal.profile.person_id == kept.pk  # the proposals follow their profile
    merge_undo(merge=merge, acting_user=None)
    profile.refresh_from_db()
    assert profile.person == absorbed


def test_when_both_records_have_a_profile_the_kept_one_stays_and_the_other_is_deactivated_with_a_note(world):
    kept, absorbed = PersonFactory(organisations=[world.org92]), PersonFactory(organisations=[world.org92])
    kept_profile = CandidateProfileFactory(person=kept)
    absorbed_profile = CandidateProfileFactory(person=absorbed)
    merge = persons_merge(kept=kept, absorbed=absorbed, acting_user=None)
    kept_profile.refresh_from_db()
    absorbed_profile.refresh_from_db()
    assert kept_profile.is_active and kept_profile.person == kept
    assert absorbed_profile.person == absorbed and not absorbed_profile.is_active
    assert f"dans le dossier n° {kept.pk} qui a son propre profil" in absorbed_profile.note
    assert CandidateProfile.objects.filter(person=kept).count() == 1
    merge_undo(merge=merge, acting_user=None)
    absorbed_profile.refresh_from_db()
    assert absorbed_profile.is_active and "Fusion annulée" in absorbed_profile.note


def test_a_merge_without_profiles_moves_nothing_of_insertion(world):
    kept, absorbed = PersonFactory(organisations=[world.org92]), PersonFactory(organisations=[world.org92])
    merge = persons_merge(kept=kept, absorbed=absorbed, acting_user=None)
    assert not {"candidate_profiles", "candidate_profiles_deactivated"} & set(merge.moved)
