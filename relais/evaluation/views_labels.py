"""The label checks (`/evaluation/labels/`): every service point the agent follows against every
active label; managers edit a site's declared hours and partners."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from relais.core.http import AgentRequest
from relais.evaluation import site_settings
from relais.evaluation.forms_labels import DeclaredOpeningForm, SitePartnerForm
from relais.evaluation.labels import label_checks, site_partners, weekly_opening
from relais.evaluation.models import Label, SitePartner
from relais.evaluation.policies import managed_sites, partner_organisations, visible_sites
from relais.territory.models import Site


def labels(request: AgentRequest) -> HttpResponse:
    sites = list(visible_sites(request.user).order_by("name"))
    if not sites:
        raise PermissionDenied("Les labels se consultent par les médiateurs et les responsables des points d'accueil.")
    active = list(Label.objects.filter(is_active=True).prefetch_related("required_partners"))
    checks = label_checks(sites, active)
    by_site = [(site, [check for check in checks if check.site.pk == site.pk]) for site in sites]
    managed = set(managed_sites(request.user).values_list("pk", flat=True))
    context = {"nav": "evaluation", "subnav": "labels", "labels": active, "by_site": by_site, "managed": managed}
    return render(request, "evaluation/labels.html", context)


def _site_url(site: Site) -> str:
    return reverse("evaluation:label_site") + "?" + urlencode({"site": site.code})


def label_site(request: AgentRequest) -> HttpResponse:
    """A manager's service point: its declared opening hours and partners, and its checks."""
    sites = list(managed_sites(request.user).order_by("name"))
    if not sites:
        raise PermissionDenied("Les horaires et partenaires déclarés se modifient par les responsables des points d'accueil.")
    data = request.POST if request.method == "POST" else request.GET
    site = next((s for s in sites if s.code == data.get("site", "")), None)
    if site is None:
        raise Http404
    declared_ids = SitePartner.objects.filter(site=site).values("partner_id")
    addable = partner_organisations().exclude(pk__in=declared_ids)
    opening_form, partner_form = DeclaredOpeningForm(prefix="horaire"), SitePartnerForm(prefix="partenaire", partners=addable)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add_opening":
                opening_form = DeclaredOpeningForm(request.POST, prefix="horaire")
                if opening_form.is_valid():
                    chosen = opening_form.cleaned_data
                    try:
                        site_settings.declared_opening_add(
                            site=site, weekday=chosen["weekday"], start=chosen["start_time"], end=chosen["end_time"],
                            agent=request.user,
                        )  # fmt: skip
                    except ValidationError as error:
                        opening_form.add_error(None, error.messages[0])
                if opening_form.is_valid():
                    messages.success(request, "Les horaires sont ajoutés.")
                    return HttpResponseRedirect(_site_url(site))
                status = 422
            elif action == "remove_opening":
                site_settings.declared_opening_remove(site=site, opening_id=_int(request.POST.get("opening")), agent=request.user)
                messages.success(request, "Les horaires sont supprimés.")
                return HttpResponseRedirect(_site_url(site))
            elif action == "add_partner":
                partner_form = SitePartnerForm(request.POST, prefix="partenaire", partners=addable)
                if partner_form.is_valid():
                    site_settings.site_partner_add(site=site, partner=partner_form.cleaned_data["partner"], agent=request.user)
                    messages.success(request, f"{partner_form.cleaned_data['partner'].name} est déclaré présent.")
                    return HttpResponseRedirect(_site_url(site))
                status = 422
            elif action == "remove_partner":
                site_settings.site_partner_remove(site=site, partner_id=_int(request.POST.get("partner")), agent=request.user)
                messages.success(request, "Le partenaire n'est plus déclaré.")
                return HttpResponseRedirect(_site_url(site))
            else:
                raise Http404
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return HttpResponseRedirect(_site_url(site))
    checks = label_checks([site])
    context = {
        "nav": "evaluation", "subnav": "labels", "site": site, "checks": checks,
        "opening": weekly_opening(site), "partners": site_partners(site),
        "declared_openings": site.declared_openings.order_by("weekday", "start_time"),
        "declared_partners": SitePartner.objects.filter(site=site).select_related("partner").order_by("partner__name"),
        "opening_form": opening_form, "partner_form": partner_form,
    }  # fmt: skip
    return render(request, "evaluation/label_site.html", context, status=status)


def _int(value: str | None) -> int:
    return int(value) if value and value.isdecimal() else 0
