"""The weekly counting grid (`/evaluation/grille/`): choose a site and a week, type the counts,
save; managers close and reopen weeks, export a period as CSV and import a file.

Sites come from the browser as codes and are looked up among the agent's own sites only."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from relais.core.csv_export import ExcelCsv
from relais.core.csv_reading import BadValue
from relais.core.http import AgentRequest
from relais.evaluation.grid import CellKey, Grid, GridError, grid_for, grid_save, week_close, week_has_ended, week_reopen
from relais.evaluation.imports import (
    EARLIEST,
    VISIT_COLUMNS,
    import_visit_counts,
    parse_week,
    visit_counts_rows,
    week_label,
)
from relais.evaluation.models import VisitCount, VisitKind, week_monday
from relais.evaluation.policies import counting_sites, managed_sites, may_manage
from relais.territory.models import Site
from relais.territory.policies import agent_active_memberships

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
LATEST_WEEKS_AHEAD = 52  # a grid is shown up to a year ahead (saving waits for the week to begin)
NO_SITE = "La grille de comptage est réservée aux médiateurs et aux responsables des points d'accueil."


def _sites(request: AgentRequest) -> list[Site]:
    sites = list(counting_sites(request.user).distinct().order_by("name"))
    if not sites:
        raise PermissionDenied(NO_SITE)
    return sites


def _chosen_site(request: AgentRequest, sites: list[Site], code: str) -> Site:
    """The site named by its code among the agent's, else their usual site, else the first."""
    if code:
        found = next((site for site in sites if site.code == code), None)
        if found is None:
            raise Http404
        return found
    own = {m.site_id for m in agent_active_memberships(request.user)}  # read already by the menu
    return next((site for site in sites if site.pk in own), sites[0])


def _week(value: str, errors: list[str]) -> dt.date:
    this_week = week_monday(timezone.localdate())
    if value:
        try:
            week = parse_week(value)
        except BadValue as error:
            errors.append(f"Semaine {error} La semaine en cours est affichée.")
        else:
            if EARLIEST <= week <= this_week + dt.timedelta(weeks=LATEST_WEEKS_AHEAD):
                return week
            errors.append(
                f"Semaine « {value} » : choisissez une semaine entre 2000 et l'an prochain. La semaine en cours est affichée."
            )
    return this_week


def _grid_url(site: Site, week: dt.date) -> str:
    return reverse("evaluation:grid") + "?" + urlencode({"site": site.code, "semaine": week_label(week)})


def _submitted(post: QueryDict) -> dict[CellKey, str]:
    """The cells typed in, keyed by (partner id, kind); names that are not cells are ignored."""
    kinds = set(VisitKind.values)
    values: dict[CellKey, str] = {}
    for name in post:
        parts = name.split("-", 2)
        if len(parts) == 3 and parts[0] == "cell" and parts[1].isdecimal() and parts[2] in kinds:
            values[(int(parts[1]) or None, parts[2])] = post.get(name) or ""
    return values


def _table(grid: Grid, submitted: dict[CellKey, str] | None, errors: dict[CellKey, str], *, conflict: bool) -> list[dict]:
    """The rows as the template shows them: typed values win over saved ones after a refusal."""
    rows = []
    for row in grid.rows:
        cells: list[dict[str, Any]] = []
        for cell in row.cells:
            typed = submitted.get(cell.key) if submitted is not None else None
            current = cell.saved if cell.saved is not None else None
            cells.append({
                "cell": cell, "value": typed if typed is not None else cell.value, "error": errors.get(cell.key, ""),
                "prefilled": cell.is_prefilled and typed is None,
                # after a concurrent save: what the other agent recorded, when it differs from what was typed
                "current": current if conflict and current is not None and str(current) != (typed or "").strip() else None,
            })  # fmt: skip
        rows.append({"row": row, "cells": cells})
    return rows


def grid(request: AgentRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    sites = _sites(request)
    site = _chosen_site(request, sites, data.get("site", ""))
    errors: list[str] = []
    week = _week(data.get("semaine", ""), errors)
    submitted, cell_errors, conflict, status = None, {}, False, 200
    version = None
    if request.method == "POST" and errors:  # never the typed counts into another week than the one shown
        errors.append("Rien n'a été enregistré.")
        status = 422
    elif request.method == "POST":
        submitted = _submitted(request.POST)
        try:
            changed = grid_save(site, week, submitted, request.user, version=request.POST.get("version", ""))
        except GridError as error:
            errors.append(error.message)
            cell_errors, conflict, status = error.cells, error.conflict, 422
            # After a validation error the page keeps the version it was loaded with: a concurrent
            # save is still detected at the next attempt. After a conflict it takes the new one.
            version = None if conflict else request.POST.get("version", "")
        else:
            messages.success(
                request, "La grille est enregistrée." if changed else "La grille est enregistrée (aucune case modifiée)."
            )
            return HttpResponseRedirect(_grid_url(site, week))
    current = grid_for(site, week)
    today_week = week_monday(timezone.localdate())
    context = {
        "nav": "evaluation", "subnav": "grid", "sites": sites, "site": site, "grid": current, "errors": errors,
        "rows": _table(current, submitted, cell_errors, conflict=conflict), "version": version or current.version,
        "conflict": conflict, "is_manager": may_manage(request.user, site), "week_label": week_label(week),
        "previous_url": _grid_url(site, week - dt.timedelta(weeks=1)), "next_url": _grid_url(site, week + dt.timedelta(weeks=1)),
        "current_url": _grid_url(site, today_week) if week != today_week else "", "has_ended": week_has_ended(week),
        "read_only": current.closure is not None,
    }  # fmt: skip
    return render(request, "evaluation/grid.html", context, status=status)


@require_POST
def grid_closure(request: AgentRequest) -> HttpResponse:
    """Close or reopen a week (managers of the site; the service checks it)."""
    sites = _sites(request)
    site = _chosen_site(request, sites, request.POST.get("site", ""))
    errors: list[str] = []
    week = _week(request.POST.get("semaine", ""), errors)
    if errors:
        raise Http404
    try:
        if request.POST.get("action") == "reopen":
            week_reopen(site, week, request.user)
            messages.success(
                request, f"La semaine {week_label(week)} est rouverte : les médiateurs peuvent de nouveau la modifier."
            )
        else:
            week_close(site, week, request.user)
            messages.success(request, f"La semaine {week_label(week)} est clôturée.")
    except GridError as error:
        messages.error(request, error.message)
    return HttpResponseRedirect(_grid_url(site, week))


def _managed(request: AgentRequest) -> list[Site]:
    sites = list(managed_sites(request.user).order_by("name"))
    if not sites:
        raise PermissionDenied("L'export et l'import des grilles sont réservés aux responsables des points d'accueil.")
    return sites


def _period(data: QueryDict, errors: list[str], notices: list[str]) -> tuple[dt.date, dt.date]:
    """The weeks asked for; a wrong week is an error, reversed weeks are only a notice (swapped)."""
    this_week = week_monday(timezone.localdate())
    first = _week(data.get("du", ""), errors) if data.get("du") else this_week - dt.timedelta(weeks=12)
    last = _week(data.get("au", ""), errors) if data.get("au") else this_week
    if last < first:
        notices.append("La semaine de fin précède celle de début : les deux ont été inversées.")
        first, last = last, first
    return first, last


def grid_files(request: AgentRequest) -> HttpResponse:
    """Managers: export a period's grids as CSV, import a file (all or nothing, with its report)."""
    sites = _managed(request)
    errors: list[str] = []
    first, last = _period(request.GET, errors, errors)
    outcome, file_name = None, ""
    if request.method == "POST":
        upload = request.FILES.get("fichier")
        if upload is None:
            errors.append("Choisissez le fichier CSV à importer.")
        elif upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            errors.append("Ce fichier dépasse 5 Mo : découpez-le par période.")
        else:
            file_name = upload.name or ""
            with tempfile.TemporaryDirectory() as directory:
                path = Path(directory) / "grille.csv"
                with path.open("wb") as target:
                    for chunk in upload.chunks():
                        target.write(chunk)
                outcome = import_visit_counts(path, agent=request.user, sites=sites)
    context = {
        "nav": "evaluation", "subnav": "grid_files", "sites": sites, "first": week_label(first), "last": week_label(last),
        "errors": errors, "outcome": outcome, "file_name": file_name, "columns": VISIT_COLUMNS,
    }  # fmt: skip
    status = 422 if errors or (outcome is not None and not outcome.ok) else 200
    return render(request, "evaluation/grid_files.html", context, status=status)


def grid_export(request: AgentRequest) -> HttpResponse:
    """The saved counts of a period, in the import's format (what goes out comes back in unchanged)."""
    sites = _managed(request)
    code = request.GET.get("site", "")
    chosen = [site for site in sites if site.code == code] if code else sites
    if not chosen:
        raise Http404
    errors: list[str] = []
    first, last = _period(request.GET, errors, notices=[])
    if errors:  # the files page shows the same French message, with the period to correct
        return HttpResponseRedirect(reverse("evaluation:grid_files") + "?" + request.GET.urlencode())
    cells = VisitCount.objects.filter(site__in=chosen, week__gte=first, week__lte=last)
    writer = ExcelCsv(VISIT_COLUMNS)
    for row in visit_counts_rows(cells):
        writer.writerow(row)
    stem = chosen[0].code if len(chosen) == 1 else "points-d-accueil"
    return writer.response(f"grille-{stem}-{week_label(first)}-{week_label(last)}.csv")
