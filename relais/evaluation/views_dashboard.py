"""The evaluation dashboard: the report's figures for a period, a site (or every site the agent
sees) and a partner, with charts and the same figures as tables; CSV/XLSX exports of each table
(?export=<key>&format=csv|xlsx), the whole workbook and the PDF report."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from relais.core.http import AgentRequest
from relais.core.tables import XLSX, csv_response, find_table, xlsx_response
from relais.evaluation import documents
from relais.evaluation.imports import EARLIEST
from relais.evaluation.indicators import Scope, evaluation_figures
from relais.evaluation.policies import partner_organisations, visible_sites
from relais.people.normalization import parse_french_date
from relais.territory.models import Site

PDF = "application/pdf"
MAX_PERIOD_DAYS = 5 * 366  # a page, a PDF and a workbook of sixty months at most


def _twelve_months_to(end: dt.date) -> dt.date:
    """The first day of the twelfth month ending with `end`'s (from 2000 at the earliest: a day of
    year 1 typed by mistake would otherwise run off the calendar)."""
    return (max(end, EARLIEST).replace(day=1) - dt.timedelta(days=335)).replace(day=1)


def _selection(request: AgentRequest) -> tuple[Scope, dict]:
    """The scope the query asks for, within what the agent may see (site codes from the browser are
    looked up among the agent's sites only)."""
    sites = list(visible_sites(request.user).order_by("name"))
    if not sites:
        raise PermissionDenied("L'évaluation du réseau est réservée aux médiateurs et aux responsables des points d'accueil.")
    today = timezone.localdate()
    errors = []
    try:
        end = parse_french_date(request.GET.get("au", "")) or today
        start = parse_french_date(request.GET.get("du", "")) or _twelve_months_to(end)
    except ValidationError as error:
        errors.append(error.messages[0])
        end = today
        start = _twelve_months_to(end)
    if end < start:
        errors.append("La date de fin précède la date de début : les deux ont été inversées.")
        start, end = end, start
    if start < EARLIEST or end > today:
        errors.append(f"Une période se choisit entre le {EARLIEST:%d/%m/%Y} et aujourd'hui : elle a été ramenée à ces bornes.")
        start, end = max(start, EARLIEST), min(end, today)
        start = min(start, end)
    if (end - start).days > MAX_PERIOD_DAYS:
        errors.append("Une période couvre au plus cinq ans : elle a été ramenée aux cinq ans qui finissent à la date de fin.")
        start = end - dt.timedelta(days=MAX_PERIOD_DAYS)
    code = request.GET.get("site", "")
    chosen: list[Site] = [site for site in sites if site.code == code] if code else []
    if code and not chosen:
        errors.append("Ce site n'est pas parmi ceux que vous suivez : tous vos sites sont affichés.")
    selected = chosen or sites
    partners = list(partner_organisations())
    partner_code = request.GET.get("partenaire", "")
    partner = next((p for p in partners if p.code == partner_code), None)
    scope = Scope(date_from=start, date_to=end, sites=tuple(selected), partner=partner)
    label = chosen[0].name if chosen else ("Tous vos points d'accueil" if len(sites) > 1 else sites[0].name)
    if partner:
        label += f" — {partner.name}"
    context = {
        "sites": sites, "site_code": chosen[0].code if chosen else "", "partners": partners,
        "partner_code": partner.code if partner else "", "start": start, "end": end, "errors": errors, "scope_label": label,
    }  # fmt: skip
    return scope, context


def dashboard(request: AgentRequest) -> HttpResponse:
    scope, context = _selection(request)
    figures = evaluation_figures(scope)
    export, kind = request.GET.get("export", ""), request.GET.get("format", "csv")
    stem = f"evaluation-{{}}-{scope.date_from:%Y-%m-%d}-{scope.date_to:%Y-%m-%d}"
    if export:
        view = documents.build_report(figures, scope_label=context["scope_label"], with_charts=False)
        table = find_table(view.tables, export)
        if table is not None:
            if kind == "xlsx":
                return xlsx_response([table], stem.format(table.key) + ".xlsx")
            return csv_response(table, stem.format(table.key) + ".csv")
    view = documents.build_report(figures, scope_label=context["scope_label"])
    query = request.GET.copy()
    for name in ("export", "format"):
        query.pop(name, None)
    context.update({"nav": "evaluation", "subnav": "dashboard", "report": view, "query": query.urlencode()})
    return render(request, "evaluation/dashboard.html", context)


def report_pdf(request: AgentRequest) -> HttpResponse:
    scope, context = _selection(request)
    content = documents.report_pdf(evaluation_figures(scope), scope_label=context["scope_label"])
    return _attachment(content, content_type=PDF,
                       filename=f"rapport-evaluation-{scope.date_from:%Y-%m-%d}-{scope.date_to:%Y-%m-%d}.pdf")  # fmt: skip


def export(request: AgentRequest) -> HttpResponse:
    """The whole report as a workbook (the dashboard's « Tout exporter »)."""
    scope, context = _selection(request)
    content = documents.report_xlsx(evaluation_figures(scope), scope_label=context["scope_label"])
    return _attachment(content, content_type=XLSX,
                       filename=f"rapport-evaluation-{scope.date_from:%Y-%m-%d}-{scope.date_to:%Y-%m-%d}.xlsx")  # fmt: skip


def _attachment(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
