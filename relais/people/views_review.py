"""Agents' pages for the data work on persons: the duplicate review queue, merges and their undo,
and the import and linkage jobs (thin: check, call, render)."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from relais.core.http import AgentRequest
from relais.people.merging import ADDRESS, ADDRESS_FIELDS, FIELDS, MergeRefused, merge_undo, pair_reject, pair_skip, persons_merge
from relais.people.models import ImportJob, LinkJob, MatchPair, Person, PersonMerge
from relais.people.policies import DuplicateReviewer, duplicate_reviewer, persons_visible
from relais.people.selectors import (
    match_pair_get,
    match_pairs_to_review,
    match_pairs_to_review_by_job,
    pair_comparison,
    person_merges_visible,
)
from relais.privacy.models import AccessLog
from relais.privacy.reads import read_note
from relais.privacy.services import access_log_record
from relais.territory.policies import agent_access_scope, agent_manages_person_data

PAGE_SIZE = 50


def _reviewer(request: AgentRequest) -> DuplicateReviewer:
    reviewer = duplicate_reviewer(request.user)
    if not reviewer.may_review:
        raise PermissionDenied("Votre rôle ne permet pas d'examiner les doublons ni de fusionner des fiches.")
    return reviewer


def review_queue(request: AgentRequest) -> HttpResponse:
    reviewer = _reviewer(request)
    job = _job_filter(request)
    pairs = match_pairs_to_review(reviewer=reviewer, job_id=job.pk if job else None)
    page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = [person for pair in page for person in (pair.person_a, pair.person_b)]
    read_note(scope=reviewer.scope, persons=shown, detail="doublons à examiner")
    context = {"nav": "people", "page": page, "job": job, "first": page.object_list[0] if page.object_list else None}
    return render(request, "people/review_queue.html", context)


def _job_filter(request: AgentRequest) -> LinkJob | None:
    value = request.GET.get("rapprochement")
    if not value:
        return None
    try:
        return LinkJob.objects.get(public_id=value)
    except (LinkJob.DoesNotExist, ValidationError):
        raise Http404("Aucun rapprochement ne correspond.") from None


def review_pair(request: AgentRequest, public_id: str) -> HttpResponse:
    reviewer = duplicate_reviewer(request.user)
    scope = reviewer.scope
    pair = match_pair_get(reviewer=reviewer, public_id=public_id)
    read_note(
        scope=scope,
        persons=[pair.person_a, pair.person_b],
        detail="comparaison de doublons",
    )
    findings = pair.explanation.get("findings", [])
    context = {
        "nav": "people",
        "pair": pair,
        "comparison": pair_comparison(pair=pair, scope=scope),
        "explanation": pair.explanation.get("comparisons", []),
        "findings": findings,
        "two_people": any(finding.get("severity") in ("veto", "against") for finding in findings),
        "household_discount": pair.explanation.get("household_discount", 0),
        "rules_weight": pair.explanation.get("rules_weight", 0),
        "remaining": match_pairs_to_review(reviewer=reviewer).count(),
    }
    return render(request, "people/review_pair.html", context)


@require_POST
def review_decide(request: AgentRequest, public_id: str) -> HttpResponse:
    reviewer = duplicate_reviewer(request.user)
    scope = reviewer.scope
    pair = match_pair_get(reviewer=reviewer, public_id=public_id)
    action = request.POST.get("action")
    if action == "reject":
        pair_reject(pair=pair, acting_user=request.user)
        messages.success(request, "Noté : ce sont deux personnes différentes. La paire ne sera plus proposée.")
    elif action == "skip":
        pair_skip(pair=pair, acting_user=request.user)
        messages.info(request, "Paire reportée : elle reviendra en fin de file.")
    elif action == "merge":
        keep = "b" if request.POST.get("keep") == "b" else "a"
        kept, absorbed = (pair.person_a, pair.person_b) if keep == "a" else (pair.person_b, pair.person_a)
        choices = {}
        for name in FIELDS:
            if name in ADDRESS_FIELDS and name != ADDRESS:
                continue  # the address is one choice (field_address): its parts are never read apart
            picked = request.POST.get(f"field_{name}")
            if picked in ("a", "b"):
                choices[name] = "kept" if picked == keep else "absorbed"
        try:
            versions = (
                int(request.POST.get(f"version_{keep}", "0")),
                int(request.POST.get(f"version_{'b' if keep == 'a' else 'a'}", "0")),
            )
        except ValueError:
            versions = (0, 0)
        if request.POST.get("confirmed") != "1":
            # One key press must not merge: without the page's confirmation dialog (no script), ask here.
            return _merge_confirmation(request, pair=pair, kept=kept, absorbed=absorbed)
        try:
            merge = persons_merge(
                kept=kept, absorbed=absorbed, acting_user=request.user, reviewer=reviewer, choices=choices,
                expected_versions=versions, pair=pair,
            )  # fmt: skip
        except MergeRefused as refused:
            messages.error(request, str(refused))
            return redirect("people:review_pair", public_id=pair.public_id)
        access_log_record(
            scope=scope, action=AccessLog.Action.MERGE, persons=[kept, absorbed], request=request,
            detail=f"fusion {merge.public_id}",
        )  # fmt: skip
        messages.success(
            request,
            f"Fiches fusionnées dans celle de {kept.display_name}. Une erreur ? La fusion peut être annulée depuis l'historique des fusions.",
        )
    else:
        messages.error(request, "Choisissez : fusionner, personnes différentes ou plus tard.")
        return redirect("people:review_pair", public_id=pair.public_id)
    following = match_pairs_to_review(reviewer=reviewer).exclude(pk=pair.pk).first()
    if following is not None and action != "skip":
        return redirect("people:review_pair", public_id=following.public_id)
    if action == "skip":
        fresh = match_pairs_to_review(reviewer=reviewer).exclude(pk=pair.pk).filter(status="pending").first()
        if fresh is not None:
            return redirect("people:review_pair", public_id=fresh.public_id)
    return redirect("people:review_queue")


def _merge_confirmation(request: AgentRequest, *, pair: MatchPair, kept: Person, absorbed: Person) -> HttpResponse:
    """The confirmation step: the same choices, posted again with `confirmed`. Only the decision
    form's own fields are carried over."""
    carried = {"keep", "version_a", "version_b", *(f"field_{name}" for name in FIELDS)}
    hidden = [(name, request.POST[name]) for name in sorted(carried) if name in request.POST]
    context = {"nav": "people", "pair": pair, "kept": kept, "absorbed": absorbed, "hidden": hidden}
    return render(request, "people/review_confirm.html", context)


def merges(request: AgentRequest) -> HttpResponse:
    merges = person_merges_visible(reviewer=_reviewer(request))
    one = request.GET.get("fusion")  # the link `relais link --recheck-merges` prints for each merge
    if one:
        try:
            merges = merges.filter(public_id=uuid.UUID(one))
        except ValueError:
            raise Http404("Aucune fusion ne correspond.") from None
    page = Paginator(merges, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = [person for merge in page for person in (merge.kept, merge.absorbed)]
    read_note(scope=_reviewer(request).scope, persons=shown, detail="fusions")
    return render(request, "people/merges.html", {"nav": "people", "page": page, "one": bool(one)})


@require_POST
def merge_undo_view(request: AgentRequest, public_id: str) -> HttpResponse:
    reviewer = duplicate_reviewer(request.user)
    scope = reviewer.scope
    try:
        merge = person_merges_visible(reviewer=reviewer).get(public_id=public_id)
    except PersonMerge.DoesNotExist as error:
        raise Http404("Aucune fusion ne correspond.") from error
    try:
        merge_undo(merge=merge, acting_user=request.user)
    except MergeRefused as refused:
        messages.error(request, str(refused))
        return redirect("people:merges")
    access_log_record(
        scope=scope, action=AccessLog.Action.UNMERGE, persons=[merge.kept, merge.absorbed], request=request,
        detail=f"annulation de la fusion {merge.public_id}",
    )  # fmt: skip
    messages.success(request, f"Fusion annulée : {merge.absorbed.display_name} a retrouvé sa fiche et son historique.")
    if not persons_visible(scope).filter(pk=merge.absorbed_id).exists():
        # A manager may undo a merge with a record known only to the other département: not theirs to open.
        return redirect("people:merges")
    return redirect("people:detail", public_id=merge.absorbed.public_id)


def _check_manager(request: AgentRequest) -> None:
    if not agent_manages_person_data(request.user):
        raise PermissionDenied("Cette page est réservée aux responsables et administrateurs fonctionnels.")


def jobs(request: AgentRequest) -> HttpResponse:
    _check_manager(request)
    scope = agent_access_scope(request.user)
    import_jobs = list(ImportJob.objects.filter(organisation_id__in=scope.organisation_ids).select_related("organisation")[:50])
    reviewer = duplicate_reviewer(request.user)
    link_jobs = list(LinkJob.objects.all()[:50])
    # Each job's "à examiner" is what this agent can open from it, as in the queue it links to.
    openable = match_pairs_to_review_by_job(reviewer=reviewer)
    for link_job in link_jobs:
        link_job.openable = openable.get(link_job.pk, 0)  # type: ignore[attr-defined]
    running = any(job.status == "running" for job in import_jobs) or any(job.status == "running" for job in link_jobs)
    context = {
        "nav": "people",
        "import_jobs": import_jobs,
        "link_jobs": link_jobs,
        "running": running,
        "to_review": match_pairs_to_review(reviewer=reviewer).count(),
        "may_review": reviewer.may_review,
        "refresh_url": reverse("people:jobs"),
    }
    template = "people/includes/jobs_tables.html" if request.htmx else "people/jobs.html"
    return render(request, template, context)


def import_job(request: AgentRequest, public_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    try:
        if not agent_manages_person_data(request.user):
            raise ImportJob.DoesNotExist  # answered like a missing job: its existence is not revealed
        job = ImportJob.objects.select_related("organisation", "created_by").get(
            public_id=public_id, organisation_id__in=scope.organisation_ids
        )
    except ImportJob.DoesNotExist as error:
        raise Http404("Aucun import ne correspond.") from error
    return render(request, "people/import_job.html", {"nav": "people", "job": job})


def link_job(request: AgentRequest, public_id: str) -> HttpResponse:
    try:
        if not agent_manages_person_data(request.user):
            raise LinkJob.DoesNotExist
        job = LinkJob.objects.get(public_id=public_id)
    except LinkJob.DoesNotExist as error:
        raise Http404("Aucun rapprochement ne correspond.") from error
    context = {
        "nav": "people",
        "job": job,
        "to_review": match_pairs_to_review(reviewer=duplicate_reviewer(request.user), job_id=job.pk).count(),
    }
    return render(request, "people/link_job.html", context)
