"""The duplicate review and merge pages, as an agent uses them: the queue, the side-by-side
comparison and its decision, the merge history with its undo, and the import and linkage jobs."""

import datetime as dt
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from relais.people.models import ContactPoint, ImportJob, LinkJob, MatchPair, Person, PersonMerge
from relais.people.services import person_data_from, person_update
from relais.privacy.models import AccessLog
from relais.territory.policies import agent_access_scope
from tests.people.factories import PersonFactory
from tests.territory.factories import AgentFactory

EXPLANATION = {
    "comparisons": [
        {"label": "Nom de naissance", "level": "identique", "weight": 6.2},
        {"label": "Commune", "level": "différente", "weight": -1.5},
    ]
}


class ReviewPage(HTMLParser):
    """The comparison table's rows and the decision form's values, read as a browser would."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.rows: dict[str, dict] = {}
        self.form: dict[str, str] = {}
        self._in_comparison = self._in_body = self._in_badge = False
        self._row: dict | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "input" and (
            attributes.get("type") == "hidden" or (attributes.get("type") == "radio" and "checked" in attributes)
        ):
            self.form[attributes["name"]] = attributes["value"] or ""
        elif tag == "table" and "comparison" in classes:
            self._in_comparison = True
        elif tag == "tbody" and self._in_comparison:
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = {"differs": "differs" in classes, "badge": "", "cells": []}
        elif tag in ("th", "td") and self._row is not None:
            self._cell = []
        elif tag == "span" and "badge" in classes and self._cell is not None:
            self._in_badge = True

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "span" and self._in_badge:
            self._in_badge = False
        elif tag in ("th", "td") and self._row is not None and self._cell is not None:
            self._row["cells"].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            label, *values = self._row["cells"]
            self.rows[label] = {"differs": self._row["differs"], "badge": self._row["badge"], "a": values[0], "b": values[1]}
            self._row = None
        elif tag == "tbody":
            self._in_body = self._in_comparison = False

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._in_badge and self._row is not None:
            self._row["badge"] += data.strip()
        elif self._cell is not None:
            self._cell.append(data)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return unescape(response.content.decode())


def pair_of(first: Person, second: Person, probability: float = 0.9, explanation: dict | None = None) -> MatchPair:
    a, b = sorted([first, second], key=lambda person: person.pk)
    return MatchPair.objects.create(person_a=a, person_b=b, probability=probability, explanation=explanation or {})


@pytest.fixture
def twins(world):
    """The same woman twice in the 92's base: once with accents and her full first names, once typed
    in capitals with her married name, a phone and a newer address."""
    a = PersonFactory(
        birth_name="Lefèvre", first_names="Élodie, Marie", birth_date=dt.date(1985, 4, 12),
        address="3 rue des Lilas", postcode="92000", city="Nanterre", organisations=[world.org92],
    )  # fmt: skip
    b = PersonFactory(
        birth_name="LEFEVRE", usage_name="Martin", first_names="Élodie", birth_date=dt.date(1985, 4, 12),
        address="12 avenue Foch", postcode="92700", city="Colombes", organisations=[world.org92], phones=["+33612345678"],
    )  # fmt: skip
    return a, b


@pytest.fixture
def pair(twins):
    return pair_of(*twins, probability=0.93, explanation=EXPLANATION)


@pytest.fixture
def next_pair(world):
    """A less likely pair, also in the 92: the one to review after the first."""
    first = PersonFactory(birth_name="Petit", first_names="Léa", organisations=[world.org92])
    second = PersonFactory(birth_name="PETIT", first_names="Lea", organisations=[world.org92])
    return pair_of(first, second, probability=0.71)


@pytest.fixture
def manager92(world):
    return AgentFactory(email="responsable92@hauts-de-seine.fr", memberships=[(world.org92, world.accueil92, "manager")])


def decision_url(pair: MatchPair) -> str:
    return reverse("people:review_decide", args=[pair.public_id])


def review_url(pair: MatchPair) -> str:
    return reverse("people:review_pair", args=[pair.public_id])


def opened(client, pair: MatchPair) -> ReviewPage:  # type: ignore[no-untyped-def]
    response = client.get(review_url(pair))
    assert response.status_code == 200
    return ReviewPage(text(response))


# --- The queue ---------------------------------------------------------------------------------


@pytest.fixture
def pairs_by_department(world, pair, next_pair):
    """Two pairs within the 92, one across both départements (the 78's legacy copy of a 92 person),
    one within the 78, all from one linkage run."""
    across = pair_of(
        PersonFactory(birth_name="Moreau", first_names="Paul", organisations=[world.org92]),
        PersonFactory(birth_name="MOREAU", first_names="Paul", organisations=[world.org78]),
        probability=0.99,
    )
    within_78 = pair_of(
        PersonFactory(birth_name="Girard", first_names="Inès", organisations=[world.org78]),
        PersonFactory(birth_name="GIRARD", first_names="Ines", organisations=[world.org78]),
        probability=0.8,
    )
    job = LinkJob.objects.create(description="Rapprochement 78-92", status="done", pairs=4, to_review=4)
    MatchPair.objects.update(job=job)
    return {"92": pair, "92 bis": next_pair, "78-92": across, "78": within_78, "job": job}


def grant_merge_permission(agent):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name="Référents doublons")
    group.permissions.add(Permission.objects.get(codename="merge_person", content_type__app_label="people"))
    agent.groups.add(group)
    return agent


def test_each_role_reviews_the_duplicates_it_answers_for_and_every_count_matches_the_queue(world, pairs_by_department, manager92):
    """Managers review the pairs where one record is their département's, the functional
    administrator of the shared service both départements'; reception agents, mediators and the
    adoption social worker review none; a reception agent given the permission reviews the pairs
    whose two records they see."""
    roles = {
        "responsable 92": manager92,
        "responsable 78": AgentFactory(memberships=[(world.org78, world.accueil78, "manager")]),
        "administratrice": AgentFactory(memberships=[(world.epi, world.adoption, "admin")]),
        "responsable de l'adoption (EPI)": AgentFactory(memberships=[(world.epi, world.adoption, "manager")]),
        "accueil 92": world.agent92,
        "médiateur 78": AgentFactory(memberships=[(world.org78, world.accueil78, "mediator")]),
        "adoption": world.adoption_agent,
        "accueil 78 avec la permission": grant_merge_permission(AgentFactory(memberships=[(world.org78, world.accueil78)])),
    }
    expected = {
        "responsable 92": {"92", "92 bis", "78-92"},
        "responsable 78": {"78-92", "78"},
        "administratrice": {"92", "92 bis", "78-92", "78"},
        "responsable de l'adoption (EPI)": set(),  # the EPI's persons only: none of these
        "accueil 92": None,
        "médiateur 78": None,
        "adoption": None,
        "accueil 78 avec la permission": {"78"},
    }
    job = pairs_by_department["job"]
    seen = {}
    for role, agent in roles.items():
        client = world.client_for(agent)
        response = client.get(reverse("people:review_queue"))
        if response.status_code == 403:
            seen[role] = None
            assert "Doublons à examiner" not in text(client.get(reverse("people:search")))
            assert all(client.get(review_url(p)).status_code == 404 for k, p in pairs_by_department.items() if k != "job")
            continue
        html = text(response)
        listed = {key for key, p in pairs_by_department.items() if key != "job" and review_url(p) in html}
        seen[role] = listed
        count = len(listed)
        assert f"{count} paire{'s' if count > 1 else ''} à examiner" in html  # « 0 paire », in French
        # Every listed pair opens; every other one answers like a missing pair.
        for key, p in pairs_by_department.items():
            if key != "job":
                assert client.get(review_url(p)).status_code == (200 if key in listed else 404), (role, key)
        assert f"Doublons à examiner ({count})" in text(client.get(reverse("people:search")))
        by_job = text(client.get(reverse("people:review_queue"), {"rapprochement": job.public_id}))
        assert f"{count} paire{'s' if count > 1 else ''} à examiner" in by_job
        if agent.memberships.filter(role__in=["manager", "admin"]).exists():
            jobs_page = text(client.get(reverse("people:jobs")))
            assert f"{count} paire{'s' if count > 1 else ''} à examiner" in jobs_page
            job_page = text(client.get(reverse("people:link_job", args=[job.public_id])))
            if count:
                assert f'?rapprochement={job.public_id}">{count}<span class="visually-hidden"> paire' in jobs_page
                assert f"{count} paire{'s' if count > 1 else ''} encore en attente" in job_page
            else:  # no link to an empty queue
                assert f"?rapprochement={job.public_id}" not in jobs_page + job_page
    assert seen == expected


def test_a_manager_merges_their_person_with_the_other_departments_copy_and_may_undo_it(world, pairs_by_department, manager92):
    across = pairs_by_department["78-92"]
    copy_78, theirs = sorted(
        [across.person_a, across.person_b], key=lambda p: not p.organisations.filter(pk=world.org78.pk).exists()
    )
    client = world.client_for(manager92)
    assert client.get(reverse("people:detail", args=[copy_78.public_id])).status_code == 404
    form = {**opened(client, across).form, "action": "merge", "confirmed": "1", "keep": "a" if theirs == across.person_a else "b"}

    client.post(decision_url(across), form)

    merge = PersonMerge.objects.get()
    assert (merge.kept, merge.absorbed, merge.merged_by) == (theirs, copy_78, manager92)
    assert set(theirs.organisations.values_list("code", flat=True)) == {"78", "92"}
    assert reverse("people:merge_undo", args=[merge.public_id]) in text(client.get(reverse("people:merges")))
    response = client.post(reverse("people:merge_undo", args=[merge.public_id]), follow=True)
    # The 78's record, back on its own, is not the 92's to open: back to the merge history.
    assert response.redirect_chain == [(reverse("people:merges"), 302)]
    assert "MOREAU Paul a retrouvé sa fiche et son historique" in text(response)
    assert client.get(reverse("people:detail", args=[copy_78.public_id])).status_code == 404


def test_a_partner_may_not_review_duplicates(world, pair):
    client = world.client_for(world.caf_agent)
    assert client.get(reverse("people:review_queue")).status_code == 403
    assert client.get(reverse("people:merges")).status_code == 403


# --- The comparison ----------------------------------------------------------------------------


def test_comparison_shows_both_records_side_by_side_marks_what_differs_and_explains_the_match(world, manager92, twins, pair):
    a, b = twins
    response = world.client_for(manager92).get(review_url(pair))

    assert response.status_code == 200
    page = ReviewPage(text(response))
    assert page.rows["Adresse"] == {
        "differs": True, "badge": "différent", "a": "3 rue des Lilas, 92000 Nanterre", "b": "12 avenue Foch, 92700 Colombes",
    }  # fmt: skip
    assert "Commune" not in page.rows and "Code postal" not in page.rows
    assert page.rows["Nom d'usage"]["differs"] and page.rows["Nom d'usage"]["b"] == "Martin"
    # The same name typed in capitals is flagged as a mere difference of spelling.
    assert page.rows["Nom de naissance"]["badge"] == "graphie différente"
    assert page.rows["Date de naissance"] == {"differs": False, "badge": "", "a": "12/04/1985", "b": "12/04/1985"}
    assert page.rows["Téléphones et e-mails"]["a"] == "—" and "06 12 34 56 78" in page.rows["Téléphones et e-mails"]["b"]
    assert page.form["version_a"] == str(a.version) and page.form["version_b"] == str(b.version)
    html = text(response)
    why = html[html.index("Pourquoi ces fiches ont été rapprochées") :]
    assert "Nom de naissance" in why and "identique" in why and "+6,2 (pour)" in why
    assert "-1,5 (contre)" in why
    assert "Ce qui désigne deux personnes différentes" not in html  # nothing contradicts this pair


def test_the_comparison_and_the_person_pages_write_nir_and_insee_in_capitals_and_offer_no_dashes(world, manager92, twins, pair):
    a, _ = twins
    a.nir = "285049205012345"[:13] + f"{97 - int('2850492050123') % 97:02d}"  # a valid key
    a.save()
    client = world.client_for(manager92)
    page = opened(client, pair)
    assert page.rows["NIR"]["differs"] and "Nir" not in page.rows
    for url in (review_url(pair), reverse("people:detail", args=[a.public_id]), reverse("people:edit", args=[a.public_id]),
                reverse("people:create"), reverse("people:review_queue"), reverse("people:merges"), reverse("people:jobs")):  # fmt: skip
        html = text(client.get(url))
        assert "Nir" not in html and "insee" not in html.replace("INSEE", "") and "-----" not in html, url


def test_opening_a_comparison_writes_a_read_of_both_files_to_the_access_log(world, manager92, twins, pair):
    world.client_for(manager92).get(review_url(pair), REMOTE_ADDR="10.9.8.7")

    entries = AccessLog.objects.filter(action=AccessLog.Action.VIEW)
    assert sorted(entries.values_list("person_id", flat=True)) == sorted(p.pk for p in twins)
    assert {(e.actor_id, e.ip_address, e.detail) for e in entries} == {(manager92.pk, "10.9.8.7", "comparaison de doublons")}


def test_evidence_of_two_people_is_spelt_out_above_the_comparison_and_in_the_queue(world, manager92, twins):
    contradicted = pair_of(
        *twins,
        probability=0.995,
        explanation=EXPLANATION
        | {
            "findings": [{"code": "birth_dates_differ", "severity": "against", "message": "dates de naissance à 33 ans d'écart"}],
            "household_discount": 1.0,
        },
    )
    client = world.client_for(manager92)
    html = re.sub(r"<[^>]+>", "", text(client.get(review_url(contradicted))))
    warning = " ".join(html[html.index("Ce qui désigne deux personnes différentes") : html.index("Raccourcis clavier")].split())
    assert "Fort indice : Dates de naissance à 33 ans d'écart." in warning
    assert "un même foyer les partage" in warning and "jamais fusionnée automatiquement" in warning
    assert "Dates de naissance à 33 ans d'écart" in text(client.get(reverse("people:review_queue")))


def test_a_pair_without_explanation_says_so(world, manager92, twins):
    bare = pair_of(*twins)
    html = text(world.client_for(manager92).get(review_url(bare)))
    assert "Paire signalée sans détail de comparaison." in html


# --- The decision ------------------------------------------------------------------------------


def test_merging_keeps_the_chosen_record_and_values_logs_it_and_goes_to_the_next_pair(world, manager92, twins, pair, next_pair):
    a, b = twins
    client = world.client_for(manager92)
    form = opened(client, pair).form
    form.update(
        action="merge", confirmed="1", keep="b", field_birth_name="a", field_first_names="a", field_usage_name="b",
        field_address="a",
    )  # fmt: skip

    response = client.post(decision_url(pair), form)

    assert response.status_code == 302 and response["Location"] == review_url(next_pair)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.merged_into_id == b.pk and b.merged_into_id is None
    assert (b.birth_name, b.usage_name, b.first_names) == ("Lefèvre", "Martin", "Élodie, Marie")
    assert (b.address, b.postcode, b.city) == ("3 rue des Lilas", "92000", "Nanterre")
    merge = PersonMerge.objects.get()
    assert (merge.kept, merge.absorbed, merge.pair, merge.merged_by) == (b, a, pair, manager92)
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == (MatchPair.Status.MERGED, manager92)
    logged = AccessLog.objects.filter(action=AccessLog.Action.MERGE)
    assert sorted(logged.values_list("person_id", flat=True)) == sorted([a.pk, b.pk])
    assert {entry.detail for entry in logged} == {f"fusion {merge.public_id}"}
    # The next page says what happened and how to go back.
    html = text(client.get(response["Location"]))
    assert "Fiches fusionnées dans celle de MARTIN Élodie" in html and "peut être annulée" in html


def test_the_address_is_one_choice_and_a_request_splitting_it_still_keeps_one_record_s_whole_address(world, manager92):
    """The field trial's slip: record B's street picked while A's postcode and commune stayed
    selected gave an address without postcode or commune. Now the page offers the address as one
    choice, says what an address lacks, and the server never reads its parts apart."""
    a = PersonFactory(
        birth_name="Roux", first_names="Hélène", address="3 rue des Lilas", postcode="92000", city="Nanterre",
        commune_code="92050", organisations=[world.org92],
    )  # fmt: skip
    b = PersonFactory(
        birth_name="ROUX", first_names="Helene", address="12 avenue Foch", postcode="", city="", commune_code="",
        organisations=[world.org92],
    )  # fmt: skip
    pair = pair_of(a, b)
    client = world.client_for(manager92)
    page = opened(client, pair)
    assert page.rows["Adresse"]["b" if pair.person_b == b else "a"] == "12 avenue Foch (sans code postal ni commune)"
    html = text(client.get(review_url(pair)))
    assert html.count('name="field_address"') == 2
    assert 'name="field_postcode"' not in html and 'name="field_city"' not in html
    side_of_b = "b" if pair.person_b == b else "a"
    side_of_a = "a" if side_of_b == "b" else "b"

    # A forged request keeping A's postcode and commune with B's street.
    client.post(
        decision_url(pair),
        {**page.form, "action": "merge", "confirmed": "1", "keep": side_of_a, "field_address": side_of_b,
         "field_postcode": side_of_a, "field_city": side_of_a, "field_commune_code": side_of_a},
    )  # fmt: skip

    a.refresh_from_db()
    assert (a.address, a.postcode, a.city, a.commune_code) == ("12 avenue Foch", "", "", "")
    assert a.merged_into_id is None and PersonMerge.objects.get().kept == a
    # Choosing A's address gives it whole back (after an undo, as a reviewer would).
    client.post(reverse("people:merge_undo", args=[PersonMerge.objects.get().public_id]))
    client.post(
        decision_url(pair),
        {**opened(client, pair).form, "action": "merge", "confirmed": "1", "keep": side_of_a, "field_address": side_of_a},
    )
    a.refresh_from_db()
    assert (a.address, a.postcode, a.city, a.commune_code) == ("3 rue des Lilas", "92000", "Nanterre", "92050")


def test_a_merge_asks_for_confirmation_first_and_the_confirmation_keeps_the_choices(world, manager92, twins, pair):
    """Without the page's dialog (no script), the first press of « Fusionner » only asks."""
    a, b = twins
    client = world.client_for(manager92)
    form = {**opened(client, pair).form, "action": "merge", "keep": "b", "field_usage_name": "b", "field_address": "a"}
    form.pop("confirmed")

    response = client.post(decision_url(pair), form)

    assert response.status_code == 200
    html = text(response)
    assert "<h1" in html and "Confirmer la fusion" in html
    assert "La fiche de LEFÈVRE Élodie sera fusionnée dans celle de MARTIN Élodie" in re.sub(r"<[^>]+>", "", html)
    assert not PersonMerge.objects.exists() and Person.objects.get(pk=a.pk).merged_into_id is None
    assert f'href="{review_url(pair)}"' in html  # going back is one link away
    confirmation = {}
    for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html):
        confirmation[name] = value
    assert confirmation["confirmed"] == "1" and confirmation["keep"] == "b" and confirmation["field_address"] == "a"

    client.post(decision_url(pair), {**confirmation, "action": "merge"})

    b.refresh_from_db()
    assert PersonMerge.objects.get().kept == b and (b.address, b.city) == ("3 rue des Lilas", "Nanterre")


def test_different_persons_leave_the_queue_for_good(world, manager92, twins, pair):
    client = world.client_for(manager92)

    response = client.post(decision_url(pair), {"action": "reject"}, follow=True)

    assert response.redirect_chain == [(reverse("people:review_queue"), 302)]
    assert "deux personnes différentes" in text(response)
    assert "Aucune paire à examiner" in text(response)
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == (MatchPair.Status.REJECTED, manager92)
    assert not PersonMerge.objects.exists() and not Person.objects.filter(merged_into__isnull=False).exists()


def test_a_pair_put_off_comes_back_after_the_fresh_ones(world, manager92, twins, pair, next_pair):
    client = world.client_for(manager92)

    response = client.post(decision_url(pair), {"action": "skip"})

    assert response["Location"] == review_url(next_pair)
    pair.refresh_from_db()
    assert pair.status == MatchPair.Status.SKIPPED and not PersonMerge.objects.exists()
    html = text(client.get(reverse("people:review_queue")))
    assert "2 paires à examiner" in html and "Reportée" in html
    assert html.index(review_url(next_pair)) < html.index(review_url(pair))
    # Once the fresh pairs are decided, the put-off one is offered again.
    response = client.post(decision_url(next_pair), {"action": "reject"})
    assert response["Location"] == review_url(pair)


def test_a_record_changed_since_the_comparison_was_opened_stops_the_merge(world, manager92, twins, pair):
    a, _ = twins
    client = world.client_for(manager92)
    form = opened(client, pair).form
    data = person_data_from(a)
    data.city = "Rueil-Malmaison"
    scope = agent_access_scope(world.pmi_agent)
    person_update(person=a, data=data, expected_version=a.version, scope=scope, acting_user=world.pmi_agent)
    form.update(action="merge", confirmed="1")

    response = client.post(decision_url(pair), form, follow=True)

    assert response.redirect_chain == [(review_url(pair), 302)]
    assert "Une des fiches a été modifiée depuis que vous l'avez ouverte : rechargez la comparaison." in text(response)
    assert not PersonMerge.objects.exists() and not Person.objects.filter(merged_into__isnull=False).exists()
    assert not AccessLog.objects.filter(action=AccessLog.Action.MERGE).exists()
    pair.refresh_from_db()
    assert pair.status == MatchPair.Status.PENDING
    # Reloading shows the new values, and the merge then goes through.
    page = ReviewPage(text(response))
    assert "3 rue des Lilas, 92000 Rueil-Malmaison" in page.rows["Adresse"].values()
    assert client.post(decision_url(pair), {**page.form, "action": "merge", "confirmed": "1"}).status_code == 302
    assert PersonMerge.objects.count() == 1


def test_a_record_being_edited_by_another_agent_is_not_merged_under_their_feet(world, manager92, twins, pair):
    a, b = twins
    colleague = world.client_for(world.pmi_agent)
    assert colleague.get(reverse("people:edit", args=[b.public_id])).status_code == 200  # starts editing
    client = world.client_for(manager92)
    form = {**opened(client, pair).form, "action": "merge", "confirmed": "1"}

    response = client.post(decision_url(pair), form, follow=True)

    assert response.redirect_chain == [(review_url(pair), 302)]
    html = text(response)
    assert f"{world.pmi_agent} modifie la fiche de MARTIN Élodie" in html
    assert "la fusion attendra qu'il ait enregistré ou abandonné" in html
    assert not PersonMerge.objects.exists() and Person.objects.get(pk=a.pk).merged_into_id is None
    assert Person.objects.get(pk=b.pk).merged_into_id is None


def test_a_decision_without_a_choice_asks_for_one(world, manager92, twins, pair):
    response = world.client_for(manager92).post(decision_url(pair), {}, follow=True)
    assert "Choisissez : fusionner, personnes différentes ou plus tard." in text(response)
    pair.refresh_from_db()
    assert pair.status == MatchPair.Status.PENDING


def test_the_decision_is_refused_to_an_agent_who_does_not_review_this_pair(world, twins, pair):
    manager78 = AgentFactory(memberships=[(world.org78, world.accueil78, "manager")])
    # A reception agent of the 92 sees both records but does not review duplicates.
    for outsider in (world.agent78, world.caf_agent, world.agent92, manager78):
        response = world.client_for(outsider).post(decision_url(pair), {"action": "reject"})
        assert response.status_code == 404
    pair.refresh_from_db()
    assert pair.status == MatchPair.Status.PENDING


# --- Merge history and undo --------------------------------------------------------------------


def test_the_merge_history_lists_the_merge_and_its_undo_restores_both_records(world, manager92, twins, pair):
    a, b = twins
    client = world.client_for(manager92)
    client.post(decision_url(pair), {**opened(client, pair).form, "action": "merge", "confirmed": "1", "keep": "a"})
    merge = PersonMerge.objects.get()
    undo_url = reverse("people:merge_undo", args=[merge.public_id])

    html = text(client.get(reverse("people:merges")))
    assert "LEFÈVRE Élodie" in html and "MARTIN Élodie" in html and str(manager92) in html
    assert f'action="{undo_url}"' in html and "Annuler la fusion" in html

    response = client.post(undo_url, follow=True)

    assert response.redirect_chain == [(reverse("people:detail", args=[b.public_id]), 302)]
    assert "Fusion annulée : MARTIN Élodie (née LEFEVRE) a retrouvé sa fiche et son historique." in text(response)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.merged_into_id is None and b.merged_into_id is None
    assert (a.birth_name, a.usage_name, a.first_names, a.city) == ("Lefèvre", "", "Élodie, Marie", "Nanterre")
    assert (b.birth_name, b.usage_name, b.city) == ("LEFEVRE", "Martin", "Colombes")
    assert list(ContactPoint.objects.filter(person=b).values_list("value", flat=True)) == ["+33612345678"]
    assert not ContactPoint.objects.filter(person=a).exists()
    assert AccessLog.objects.filter(action=AccessLog.Action.UNMERGE).count() == 2
    # Both records are found again, and the pair waits for a new decision.
    found = client.get(reverse("people:search"), {"q": "lefevre"}).context["results"]
    assert {p.pk for p in found} == {a.pk, b.pk}
    pair.refresh_from_db()
    assert pair.status == MatchPair.Status.PENDING
    html = text(client.get(reverse("people:merges")))
    assert "Annulée le" in html and f'action="{undo_url}"' not in html
    # A second undo (another tab) is refused with a message.
    response = client.post(undo_url, follow=True)
    assert "Cette fusion a déjà été annulée." in text(response)


# --- Imports and linkage jobs ------------------------------------------------------------------


@pytest.fixture
def jobs(world):
    import_92 = ImportJob.objects.create(
        source="GRC92", organisation=world.org92, file_name="usagers-92.csv", file_sha256="a" * 64, status="done",
        total_lines=1234, imported=1200, skipped=30, error_count=4,
        problems=["ligne 17 : date de naissance « 31/02/1990 » invalide", "ligne 55 : nom de naissance vide"],
    )  # fmt: skip
    import_78 = ImportJob.objects.create(
        source="GRC78", organisation=world.org78, file_name="usagers-78.csv", file_sha256="b" * 64
    )
    link = LinkJob.objects.create(
        description="Rapprochement 78-92", status="done", records=5000, pairs=120, auto_merged=80, to_review=40,
        report="Seuil bas 0,5 ; seuil haut 0,99 ; 120 paires.",
    )  # fmt: skip
    return import_92, import_78, link


def test_jobs_page_is_refused_to_a_plain_agent(world, jobs):
    for agent in (world.agent92, world.pmi_agent, world.caf_agent):
        assert world.client_for(agent).get(reverse("people:jobs")).status_code == 403


def test_a_manager_sees_the_imports_of_their_organisations_and_the_linkage_runs_with_their_counts(world, jobs, manager92):
    import_92, import_78, link = jobs
    client = world.client_for(manager92)

    response = client.get(reverse("people:jobs"))

    assert response.status_code == 200
    html = text(response)
    assert "usagers-92.csv" in html and "usagers-78.csv" not in html
    assert reverse("people:import_job", args=[import_92.public_id]) in html
    assert reverse("people:link_job", args=[link.public_id]) in html
    assert "<td>1200</td><td>30</td><td>4</td>" in html
    # 40 pairs were sent to review, none of which this manager can open any more: no link to an empty queue.
    assert (
        "<td>5000</td><td>120</td><td>80</td><td>0</td>" in re.sub(r">\s+<", "><", html)
        and f"?rapprochement={link.public_id}" not in html
    )
    assert 'hx-trigger="every 3s"' not in html  # nothing running: no refresh

    page = text(client.get(reverse("people:import_job", args=[import_92.public_id])))
    assert "ligne 17 : date de naissance « 31/02/1990 » invalide" in page and "ligne 55 : nom de naissance vide" in page
    assert "limité aux 2 premières erreurs sur 4" in page
    page = text(client.get(reverse("people:link_job", args=[link.public_id])))
    assert "Seuil bas 0,5 ; seuil haut 0,99 ; 120 paires." in page and "<dd>5000</dd>" in page
    assert "<dt>Envoyées à l'examen</dt><dd>40</dd>" in page and "<dt>À examiner par vous</dt><dd>aucune</dd>" in page
    # An import of another département is not theirs to read.
    assert client.get(reverse("people:import_job", args=[import_78.public_id])).status_code == 404


def test_a_running_job_refreshes_the_tables_alone(world, jobs, manager92):
    import_92, _, _ = jobs
    import_92.status, import_92.checkpoint_line = "running", 600
    import_92.save()
    client = world.client_for(manager92)
    assert 'hx-trigger="every 3s"' in text(client.get(reverse("people:jobs")))
    fragment = text(client.get(reverse("people:jobs"), headers={"HX-Request": "true"}))
    assert "<html" not in fragment and "600 / 1234 lignes" in fragment


def test_job_pages_answer_not_found_to_a_non_manager(world, jobs):
    import_92, _, link = jobs
    client = world.client_for(world.agent92)
    assert client.get(reverse("people:import_job", args=[import_92.public_id])).status_code == 404
    assert client.get(reverse("people:link_job", args=[link.public_id])).status_code == 404


# --- Navigation --------------------------------------------------------------------------------


def test_search_page_leads_reviewers_to_the_duplicates_and_managers_to_the_jobs(world, pair, next_pair, manager92):
    queue, jobs_url = reverse("people:review_queue"), reverse("people:jobs")

    html = text(world.client_for(world.agent92).get(reverse("people:search")))
    assert f'href="{queue}"' not in html and f'href="{jobs_url}"' not in html

    html = text(world.client_for(manager92).get(reverse("people:search")))
    assert f'href="{queue}"' in html and "Doublons à examiner (2)" in html
    assert f'href="{jobs_url}"' in html and "Imports et rapprochements" in html

    reviewer78 = grant_merge_permission(world.agent78)
    html = text(world.client_for(reviewer78).get(reverse("people:search")))
    assert "Doublons à examiner (0)" in html and f'href="{jobs_url}"' not in html

    html = text(world.client_for(world.caf_agent).get(reverse("people:search")))
    assert f'href="{queue}"' not in html and f'href="{jobs_url}"' not in html
