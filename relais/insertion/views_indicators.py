"""The insertion indicators, for the insertion services' members (agents and managers) of a
département; the EPI's see both. Each breakdown exports to CSV or XLSX (?export=<key>&format=…),
and ?export=tout&format=xlsx gives every table, one sheet each."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from relais.core.http import AgentRequest
from relais.core.tables import csv_response, xlsx_response
from relais.insertion.indicators import CHART_ROW, CHART_WIDTH, insertion_indicators
from relais.insertion.policies import insertion_organisation_ids
from relais.people.normalization import parse_french_date
from relais.territory.models import Organisation


def indicators(request: AgentRequest) -> HttpResponse:
    allowed = insertion_organisation_ids(request.user)
    if not allowed:
        raise PermissionDenied("Les indicateurs d'insertion sont réservés aux services d'insertion des départements.")
    organisations = list(Organisation.objects.filter(pk__in=allowed).order_by("code"))
    chosen = request.GET.get("departement", "")
    selected = [org for org in organisations if org.code == chosen] or organisations
    today = timezone.localdate()
    try:
        start = parse_french_date(request.GET.get("du", "")) or today - dt.timedelta(days=365)
        end = parse_french_date(request.GET.get("au", "")) or today
    except ValidationError:
        start, end = today - dt.timedelta(days=365), today
    if end < start:
        start, end = end, start
    data = insertion_indicators(organisation_ids=[org.pk for org in selected], start=start, end=end, today=today)
    export, kind = request.GET.get("export", ""), request.GET.get("format", "csv")
    stem = f"insertion-{{}}-{start:%Y-%m-%d}-{end:%Y-%m-%d}"
    if export == "tout" and kind == "xlsx":
        return xlsx_response(data.tables, stem.format("indicateurs") + ".xlsx")
    table = data.table(export)
    if table is not None:
        if kind == "xlsx":
            return xlsx_response([table], stem.format(table.key) + ".xlsx")
        return csv_response(table, stem.format(table.key) + ".csv")
    query = request.GET.copy()
    for name in ("export", "format"):
        query.pop(name, None)
    context = {
        "nav": "insertion", "data": data, "start": start, "end": end, "query": query.urlencode(),
        "organisations": organisations, "chosen": chosen if len(selected) == 1 and len(organisations) > 1 else "",
        "chart_width": CHART_WIDTH + 300, "chart_height": max(len(data.chart), 1) * CHART_ROW,
    }  # fmt: skip
    return render(request, "insertion/indicators.html", context)
