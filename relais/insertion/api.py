"""API for insertion (JOB78 / JOB92): companies, offers, candidate profiles, proposals and their
steps, and the ranked lists of the matching engine. Same policies as the pages (policies.py):

- companies and offers are read by the départements (and the EPI) that hold the company in their
  portfolio, and written by their insertion services' members (or a token created for that service);
- a candidate profile is read by whoever may see the person, written by the insertion service of the
  département holding it, which alone reads the constraints the person stated;
- a proposal is read with its profile and moved along by the holding insertion service.

Objects have integer identifiers; one of another département answers 404, like a missing one."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from relais.api.pagination import Pagination
from relais.api.scopes import request_scope
from relais.api.serializers import StrictInput
from relais.appointments.selectors import person_appointments
from relais.insertion import matching, selectors, workflow
from relais.insertion.models import (
    CandidateProfile,
    Company,
    ContractType,
    EducationLevel,
    Offer,
    Proposal,
    RomeAppellation,
    RomeMetier,
)
from relais.insertion.policies import (
    profile_may_create,
    profile_may_edit,
    profile_may_read_constraints,
    profiles_visible,
    scope_insertion_organisation_ids,
)
from relais.insertion.services import (
    company_create,
    company_update,
    offer_create,
    offer_set_status,
    offer_update,
    profile_create,
    profile_update,
    proposal_create,
    proposal_transition,
)
from relais.people.policies import persons_visible
from relais.privacy.reads import read_note
from relais.territory.communes import commune_coordinates
from relais.territory.models import Agent, Commune, Organisation
from relais.territory.policies import AccessScope

MAX_ID = 2**31 - 1
MAX_RANKED = 50
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
ID_PARAMETER = OpenApiParameter(
    "id", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, OpenApiParameter.PATH, description="Identifiant"
)

# --- Scope ------------------------------------------------------------------------------------------


def _read_organisation_ids(scope: AccessScope) -> frozenset[int]:
    """The départements (and EPI) of the scope: their portfolios are readable (no partner holds one)."""
    return frozenset(
        Organisation.objects.filter(pk__in=scope.organisation_ids)
        .exclude(kind=Organisation.Kind.PARTNER)
        .values_list("pk", flat=True)
    )


def _companies_readable(scope: AccessScope) -> QuerySet[Company]:
    through = Company.organisations.through.objects.filter(organisation_id__in=_read_organisation_ids(scope))
    return Company.objects.filter(pk__in=through.values("company_id"))


def _companies_writable(scope: AccessScope) -> QuerySet[Company]:
    through = Company.organisations.through.objects.filter(organisation_id__in=scope_insertion_organisation_ids(scope))
    return Company.objects.filter(pk__in=through.values("company_id"))


def _offers_readable(scope: AccessScope) -> QuerySet[Offer]:
    return Offer.objects.filter(company__in=_companies_readable(scope)).select_related("company", "metier")


def _get(queryset: QuerySet[Any], pk: int) -> Any:
    item = queryset.filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if item is None:
        raise Http404
    return item


def _paginator(request: Request) -> Pagination:
    """The page asked must be a page number: `?page=` (empty) is refused, not read as the first."""
    page = request.query_params.get("page")
    if page is not None and not (page.isascii() and page.isdigit() and int(page) > 0):
        raise serializers.ValidationError({"page": ["Numéro de page attendu (1 pour la première)."]})
    return Pagination()


def _forbidden(detail: str) -> Response:
    return Response({"detail": detail}, status=status.HTTP_403_FORBIDDEN)


def _refused(detail: str) -> Response:
    return Response({"detail": detail}, status=status.HTTP_409_CONFLICT)


def _persons_of(profiles: list[CandidateProfile]) -> list:
    return [profile.person for profile in profiles]


# --- Strict fields ----------------------------------------------------------------------------------


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only (DRF also takes "yes", 1…)."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data

    default_error_messages = {"invalid": "Booléen attendu (true ou false)."}


class IntegerChoiceField(serializers.ChoiceField):
    """A choice among integers, given as a JSON integer."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, int) or isinstance(data, bool):
            raise serializers.ValidationError("Nombre entier attendu.")
        return super().to_internal_value(data)


def _id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _skills_field() -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=100), max_length=50, required=False)


# --- Companies --------------------------------------------------------------------------------------


class SiteOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    siret = serializers.CharField()
    address = serializers.CharField()
    commune = serializers.CharField(source="commune_id")


class CompanyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    siret = serializers.CharField()
    name = serializers.CharField()
    naf_code = serializers.CharField()
    address = serializers.CharField()
    commune = serializers.CharField(source="commune_id", help_text="Code INSEE")
    organisations = serializers.SerializerMethodField(help_text="Départements qui suivent l'entreprise")
    sites = SiteOutput(many=True)
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_organisations(self, company: Company) -> list[str]:
        return sorted(org.code for org in company.organisations.all())


class CompanyInput(StrictInput):
    siret = serializers.CharField(max_length=20, help_text="14 chiffres, espaces admis")
    name = serializers.CharField(max_length=200)
    naf_code = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    commune = serializers.CharField(max_length=5, help_text="Code INSEE de la commune")
    organisations = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        max_length=5,
        help_text="Codes des départements qui suivent l'entreprise ; par défaut ceux de ce jeton",
    )


class CompanyUpdateInput(StrictInput):
    name = serializers.CharField(max_length=200, required=False)
    naf_code = serializers.CharField(max_length=10, required=False, allow_blank=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    commune = serializers.CharField(max_length=5, required=False)
    is_active = StrictBooleanField(required=False)


def _commune(code: str) -> Commune:
    commune = Commune.objects.filter(insee_code=code).first()
    if commune is None:
        raise serializers.ValidationError({"commune": ["Commune inconnue (code INSEE attendu)."]})
    return commune


def _company_queryset(queryset: QuerySet[Company]) -> QuerySet[Company]:
    return queryset.prefetch_related("organisations", "sites").order_by("name", "pk")


class CompanyListApi(APIView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="insertion_companies_list",
        summary="Entreprises suivies",
        description="Les entreprises du portefeuille des départements de ce jeton (ou de cet agent).",
        parameters=[OpenApiParameter("q", str, description="Recherche dans la raison sociale ou le SIRET")],
        responses=CompanyOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        queryset = _company_queryset(_companies_readable(request_scope(request)))
        q = request.query_params.get("q", "").strip()
        if q:
            queryset = queryset.filter(name__icontains=q) | queryset.filter(siret__startswith=q.replace(" ", ""))
        paginator = _paginator(request)
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        return paginator.get_paginated_response(CompanyOutput(page, many=True).data)

    @extend_schema(
        operation_id="insertion_companies_create",
        summary="Ajouter une entreprise au portefeuille",
        description="Réservé au service d'insertion du département (jeton créé avec `--service 92-INSERTION`, ou ses agents).",
        request=CompanyInput,
        responses={201: CompanyOutput},
    )
    def post(self, request: Request) -> Response:
        scope = request_scope(request)
        allowed = scope_insertion_organisation_ids(scope)
        if not allowed:
            return _forbidden("Seul un service d'insertion peut ajouter une entreprise.")
        serializer = CompanyInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        codes = data.get("organisations")
        if codes:
            organisations = list(Organisation.objects.filter(code__in=codes, pk__in=allowed))
            if len(organisations) != len(set(codes)):
                return Response({"organisations": ["Département inconnu ou hors du périmètre de ce jeton."]}, status=400)
        else:
            organisations = list(Organisation.objects.filter(pk__in=allowed))
        company = company_create(
            actor=None,  # type: ignore[arg-type]  # a token is no agent: the account manager stays unset
            organisations=organisations,
            siret=data["siret"],
            name=data["name"],
            naf_code=data["naf_code"],
            address=data["address"],
            commune=_commune(data["commune"]),
            account_manager=Agent.objects.filter(pk=scope.agent_id).first() if scope.agent_id else None,
        )
        return Response(CompanyOutput(_company_queryset(Company.objects.filter(pk=company.pk)).get()).data, status=201)


class CompanyDetailApi(APIView):
    @extend_schema(
        parameters=[ID_PARAMETER],
        operation_id="insertion_companies_retrieve",
        summary="Lire une entreprise",
        responses=CompanyOutput,
    )
    def get(self, request: Request, id: int) -> Response:
        company = _get(_company_queryset(_companies_readable(request_scope(request))), id)
        return Response(CompanyOutput(company).data)

    @extend_schema(
        parameters=[ID_PARAMETER],
        operation_id="insertion_companies_update",
        summary="Modifier une entreprise",
        request=CompanyUpdateInput,
        responses={200: CompanyOutput},
    )
    def patch(self, request: Request, id: int) -> Response:
        scope = request_scope(request)
        company = _get(_companies_readable(scope), id)
        if not _companies_writable(scope).filter(pk=company.pk).exists():
            return _forbidden("Seul le service d'insertion d'un département qui suit l'entreprise peut la modifier.")
        serializer = CompanyUpdateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "commune" in data:
            data["commune"] = _commune(data["commune"])
        company = company_update(company=company, **data)
        return Response(CompanyOutput(_company_queryset(Company.objects.filter(pk=company.pk)).get()).data)


# --- Offers -----------------------------------------------------------------------------------------


class OfferOutput(serializers.Serializer):
    id = serializers.IntegerField()
    company = serializers.IntegerField(source="company_id")
    company_name = serializers.CharField(source="company.name")
    site = serializers.IntegerField(source="site_id", allow_null=True)
    metier = serializers.CharField(source="metier_id", help_text="Code ROME")
    metier_label = serializers.CharField(source="metier.label")
    appellation = serializers.IntegerField(source="appellation_id", allow_null=True)
    title = serializers.CharField()
    description = serializers.CharField()
    contract_type = serializers.CharField()
    weekly_hours = serializers.IntegerField()
    night_work = serializers.BooleanField()
    weekend_work = serializers.BooleanField()
    commune = serializers.CharField(source="commune_id")
    positions = serializers.IntegerField()
    start_date = serializers.DateField()
    education_level = serializers.IntegerField()
    driving_licence_required = serializers.BooleanField()
    vehicle_required = serializers.BooleanField()
    skills = serializers.ListField(child=serializers.CharField())
    published_from = serializers.DateField(allow_null=True)
    published_until = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    allowed_statuses = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_allowed_statuses(self, offer: Offer) -> list[str]:
        return [*workflow.OFFER_TRANSITIONS.get(offer.status, ())]


class OfferFields(StrictInput):
    site = _id_field(required=False, allow_null=True)
    metier = serializers.CharField(max_length=5, help_text="Code ROME (ex. G1602)")
    appellation = _id_field(required=False, allow_null=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    contract_type = serializers.ChoiceField(choices=ContractType.choices)
    weekly_hours = serializers.IntegerField(min_value=1, max_value=48)
    night_work = StrictBooleanField(required=False)
    weekend_work = StrictBooleanField(required=False)
    commune = serializers.CharField(max_length=5, help_text="Code INSEE du lieu de travail")
    positions = serializers.IntegerField(min_value=1, max_value=999)
    start_date = serializers.DateField()
    education_level = IntegerChoiceField(choices=EducationLevel.choices, required=False)
    driving_licence_required = StrictBooleanField(required=False)
    vehicle_required = StrictBooleanField(required=False)
    skills = _skills_field()
    published_from = serializers.DateField(required=False, allow_null=True)
    published_until = serializers.DateField(required=False, allow_null=True)


class OfferInput(OfferFields):
    company = _id_field()


class OfferUpdateInput(OfferFields):
    def get_fields(self):  # type: ignore[no-untyped-def]
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
        return fields


def _offer_values(data: dict[str, Any], company_id: int) -> dict[str, Any]:
    """The validated input as model values: references resolved, unknown ones refused per field."""
    values = dict(data)
    errors: dict[str, list[str]] = {}
    if "metier" in values:
        metier = RomeMetier.objects.filter(code=values["metier"].upper()).first()
        if metier is None:
            errors["metier"] = ["Code ROME inconnu."]
        values["metier"] = metier
    if "commune" in values:
        commune = Commune.objects.filter(insee_code=values["commune"]).first()
        if commune is None:
            errors["commune"] = ["Commune inconnue (code INSEE attendu)."]
        values["commune"] = commune
    if values.get("site") is not None:
        from relais.insertion.models import CompanySite

        site = CompanySite.objects.filter(pk=values["site"], company_id=company_id).first()
        if site is None:
            errors["site"] = ["Établissement inconnu pour cette entreprise."]
        values["site"] = site
    if values.get("appellation") is not None:
        appellation = RomeAppellation.objects.filter(pk=values["appellation"]).first()
        if appellation is None:
            errors["appellation"] = ["Appellation inconnue."]
        values["appellation"] = appellation
    if errors:
        raise serializers.ValidationError(errors)
    return values


OFFER_STATUS_PARAMETER = OpenApiParameter(
    "status", str, enum=[*Offer.Status.values, ""], description="Statut : draft, published, filled ou closed"
)


class OfferListApi(APIView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="insertion_offers_list",
        summary="Offres d'emploi",
        description="Les offres des entreprises suivies par les départements de ce jeton.",
        parameters=[
            OFFER_STATUS_PARAMETER,
            OpenApiParameter("rome", str, description="Code ROME, ou domaine (trois premiers caractères)"),
            OpenApiParameter("commune", str, description="Code INSEE du lieu de travail"),
            OpenApiParameter("company", ID_SCHEMA, description="Identifiant de l'entreprise"),
        ],
        responses=OfferOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        queryset = _offers_readable(request_scope(request)).order_by("-created_at", "-pk")
        params = request.query_params
        if params.get("status"):
            if params["status"] not in Offer.Status.values:
                return Response({"status": ["Statut inconnu : draft, published, filled ou closed."]}, status=400)
            queryset = queryset.filter(status=params["status"])
        rome = params.get("rome", "").strip().upper()
        if rome:
            queryset = queryset.filter(metier_id=rome) if len(rome) == 5 else queryset.filter(metier__domain=rome)
        if params.get("commune"):
            queryset = queryset.filter(commune_id=params["commune"])
        if params.get("company"):
            value = params["company"]
            if not (value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_ID):
                return Response({"company": ["Identifiant d'entreprise invalide."]}, status=400)
            queryset = queryset.filter(company_id=int(value))
        paginator = _paginator(request)
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        return paginator.get_paginated_response(OfferOutput(page, many=True).data)

    @extend_schema(
        operation_id="insertion_offers_create",
        summary="Déposer une offre (brouillon)",
        description="Pour une entreprise suivie par le service d'insertion de ce jeton ; l'offre naît en brouillon, "
        "`POST …/status/` la publie.",
        request=OfferInput,
        responses={201: OfferOutput},
    )
    def post(self, request: Request) -> Response:
        scope = request_scope(request)
        if not scope_insertion_organisation_ids(scope):
            return _forbidden("Seul un service d'insertion peut déposer une offre.")
        serializer = OfferInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        company = _companies_writable(scope).filter(pk=data.pop("company")).first()
        if company is None:
            return Response({"company": ["Entreprise inconnue ou hors du portefeuille de ce jeton."]}, status=400)
        values = _offer_values(data, company.pk)
        offer = offer_create(actor=_agent(scope), company=company, **values)
        return Response(OfferOutput(_offers_readable(scope).get(pk=offer.pk)).data, status=201)


def _agent(scope: AccessScope) -> Agent | None:
    return Agent.objects.filter(pk=scope.agent_id).first() if scope.agent_id else None


class OfferDetailApi(APIView):
    @extend_schema(
        parameters=[ID_PARAMETER], operation_id="insertion_offers_retrieve", summary="Lire une offre", responses=OfferOutput
    )
    def get(self, request: Request, id: int) -> Response:
        return Response(OfferOutput(_get(_offers_readable(request_scope(request)), id)).data)

    @extend_schema(
        parameters=[ID_PARAMETER],
        operation_id="insertion_offers_update",
        summary="Modifier une offre",
        description="Les champs envoyés seulement ; le statut change par `POST …/status/`.",
        request=OfferUpdateInput,
        responses={200: OfferOutput},
    )
    def patch(self, request: Request, id: int) -> Response:
        scope = request_scope(request)
        offer = _get(_offers_readable(scope), id)
        if not _companies_writable(scope).filter(pk=offer.company_id).exists():
            return _forbidden("Seul le service d'insertion d'un département qui suit l'entreprise peut modifier ses offres.")
        serializer = OfferUpdateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = _offer_values(dict(serializer.validated_data), offer.company_id)
        offer = offer_update(offer=offer, **values)
        return Response(OfferOutput(_offers_readable(scope).get(pk=offer.pk)).data)


class OfferStatusInput(StrictInput):
    status = serializers.ChoiceField(choices=[c for c in Offer.Status.choices if c[0] != Offer.Status.DRAFT])


class OfferStatusApi(APIView):
    @extend_schema(
        parameters=[ID_PARAMETER],
        operation_id="insertion_offers_status",
        summary="Publier, pourvoir ou clôturer une offre",
        description="`status` : published (publier ; la publication commence aujourd'hui si l'offre n'a pas de date), "
        "filled (pourvue), closed (clôturée, définitif). Un changement que le cycle de vie n'admet pas répond 409.",
        request=OfferStatusInput,
        responses={200: OfferOutput, 409: None},
    )
    def post(self, request: Request, id: int) -> Response:
        scope = request_scope(request)
        offer = _get(_offers_readable(scope), id)
        if not _companies_writable(scope).filter(pk=offer.company_id).exists():
            return _forbidden("Seul le service d'insertion d'un département qui suit l'entreprise peut modifier ses offres.")
        serializer = OfferStatusInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            offer_set_status(offer=offer, status=serializer.validated_data["status"])
        except workflow.TransitionRefused as refused:
            return _refused(str(refused))
        return Response(OfferOutput(_offers_readable(scope).get(pk=offer.pk)).data)


# --- Candidate profiles -----------------------------------------------------------------------------


class CandidateOutput(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.UUIDField(source="person.public_id", help_text="Identifiant de l'usager")
    organisation = serializers.CharField(source="organisation.code", help_text="Département qui suit le dossier")
    referent = serializers.EmailField(source="referent.email", allow_null=True, default=None)
    desired_metiers = serializers.SerializerMethodField(help_text="Codes ROME recherchés")
    skills = serializers.ListField(child=serializers.CharField())
    experience = serializers.CharField()
    education_level = serializers.IntegerField()
    driving_licence = serializers.BooleanField()
    vehicle = serializers.BooleanField()
    max_commute_km = serializers.IntegerField()
    hours_min = serializers.IntegerField()
    hours_max = serializers.IntegerField()
    accepts_nights = serializers.BooleanField()
    accepts_weekends = serializers.BooleanField()
    available_from = serializers.DateField(allow_null=True)
    constraints = serializers.SerializerMethodField(
        help_text="Contraintes exprimées par la personne : lues par le seul service d'insertion du département, sinon null"
    )
    consent_shared = serializers.BooleanField()
    consent_at = serializers.DateTimeField(allow_null=True)
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_desired_metiers(self, profile: CandidateProfile) -> list[str]:
        return sorted(metier.code for metier in profile.desired_metiers.all())

    def get_constraints(self, profile: CandidateProfile) -> str | None:
        return profile.constraints if profile_may_read_constraints(self.context["scope"], profile) else None


class CandidateFields(StrictInput):
    referent = serializers.EmailField(required=False, allow_null=True, help_text="E-mail de l'agent référent")
    desired_metiers = serializers.ListField(child=serializers.CharField(max_length=5), max_length=20, required=False)
    skills = _skills_field()
    experience = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    education_level = IntegerChoiceField(choices=EducationLevel.choices, required=False)
    driving_licence = StrictBooleanField(required=False)
    vehicle = StrictBooleanField(required=False)
    max_commute_km = serializers.IntegerField(min_value=0, max_value=500, required=False)
    hours_min = serializers.IntegerField(min_value=0, max_value=48, required=False)
    hours_max = serializers.IntegerField(min_value=0, max_value=48, required=False)
    accepts_nights = StrictBooleanField(required=False)
    accepts_weekends = StrictBooleanField(required=False)
    available_from = serializers.DateField(required=False, allow_null=True)
    constraints = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    consent_shared = StrictBooleanField(required=False)
    is_active = StrictBooleanField(required=False)


class CandidateInput(CandidateFields):
    person = serializers.UUIDField()
    organisation = serializers.CharField(
        max_length=20, required=False, help_text="Code du département qui suit le dossier ; par défaut celui de ce jeton"
    )


def _profile_queryset(queryset: QuerySet[CandidateProfile]) -> QuerySet[CandidateProfile]:
    return queryset.select_related("person", "organisation", "referent").prefetch_related("desired_metiers")


def _profile_values(data: dict[str, Any], organisation_id: int) -> dict[str, Any]:
    values = dict(data)
    errors: dict[str, list[str]] = {}
    if "desired_metiers" in values:
        codes = {code.upper() for code in values["desired_metiers"]}
        metiers = list(RomeMetier.objects.filter(code__in=codes))
        if len(metiers) != len(codes):
            errors["desired_metiers"] = ["Code ROME inconnu : " + ", ".join(sorted(codes - {m.code for m in metiers}))]
        values["desired_metiers"] = metiers
    if "referent" in values and values["referent"] is not None:
        referent = Agent.objects.filter(
            email__iexact=values["referent"],
            is_active=True,
            memberships__is_active=True,
            memberships__organisation_id=organisation_id,
        ).first()
        if referent is None:
            errors["referent"] = ["Agent inconnu de ce département."]
        values["referent"] = referent
    if errors:
        raise serializers.ValidationError(errors)
    return values


class CandidateListApi(APIView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="insertion_candidates_list",
        summary="Profils de candidats visibles",
        description="Les profils des personnes que ce jeton peut voir (la règle du dossier de la personne).",
        parameters=[
            OpenApiParameter("rome", str, description="Code ROME recherché"),
            OpenApiParameter("active", str, enum=["true", "false", ""], description="Profils actifs ou non"),
        ],
        responses=CandidateOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        scope = request_scope(request)
        queryset = _profile_queryset(profiles_visible(scope)).order_by("-updated_at", "-pk")
        params = request.query_params
        if params.get("rome"):
            queryset = queryset.filter(desired_metiers__code=params["rome"].upper())
        if params.get("active") in ("true", "false"):
            queryset = queryset.filter(is_active=params["active"] == "true")
        elif params.get("active"):
            return Response({"active": ["true ou false attendu."]}, status=400)
        paginator = _paginator(request)
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        read_note(scope=scope, persons=_persons_of(page), detail="API profils d'insertion")
        return paginator.get_paginated_response(CandidateOutput(page, many=True, context={"scope": scope}).data)

    @extend_schema(
        operation_id="insertion_candidates_create",
        summary="Créer le profil de candidat d'une personne",
        description="Réservé au service d'insertion du département qui suivra le dossier.",
        request=CandidateInput,
        responses={201: CandidateOutput},
    )
    def post(self, request: Request) -> Response:
        scope = request_scope(request)
        allowed = scope_insertion_organisation_ids(scope)
        if not allowed:
            return _forbidden("Seul un service d'insertion peut créer un profil de candidat.")
        serializer = CandidateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        person = persons_visible(scope).filter(public_id=data.pop("person")).first()
        if person is None:
            return Response({"person": ["Usager introuvable."]}, status=400)
        code = data.pop("organisation", None)
        organisations = Organisation.objects.filter(pk__in=allowed)
        organisation = organisations.filter(code=code).first() if code else (organisations.first() if len(allowed) == 1 else None)
        if organisation is None:
            message = "Département inconnu ou hors du périmètre de ce jeton." if code else "Précisez le département."
            return Response({"organisation": [message]}, status=400)
        if not profile_may_create(scope, person_id=person.pk, organisation_id=organisation.pk):
            return _forbidden("Ce jeton ne peut pas créer de profil pour cette personne.")
        values = _profile_values(data, organisation.pk)
        if CandidateProfile.objects.filter(person=person).exists():
            return _refused("Cette personne a déjà un profil de candidat.")
        profile = profile_create(
            scope=scope,
            person=person,
            organisation=organisation,
            desired_metiers=values.pop("desired_metiers", []),
            consent_shared=values.pop("consent_shared", False),
            **values,
        )
        profile = _profile_queryset(CandidateProfile.objects.filter(pk=profile.pk)).get()
        return Response(CandidateOutput(profile, context={"scope": scope}).data, status=201)


class CandidateDetailApi(APIView):
    @extend_schema(
        parameters=[ID_PARAMETER],
        operation_id="insertion_candidates_retrieve",
        summary="Lire un profil de candidat",
        responses=CandidateOutput,
    )
    def get(self, request: Request, id: int) -> Response:
        scope = request_scope(request)
        profile = _get(_profile_queryset(profiles_visible(scope)), id)
        read_note(scope=scope, persons=[profile.person], detail=f"API profil d'insertion n° {profile.pk}")
        return Response(CandidateOutput(profile, context={"scope": scope}).data)

    @extend_schema(
        parameters=[ID_PARAMETER],
        operation_id="insertion_candidates_update",
        summary="Modifier un profil de candidat",
        description="Réservé au service d'insertion du département qui suit le dossier.",
        request=CandidateFields,
        responses={200: CandidateOutput},
    )
    def patch(self, request: Request, id: int) -> Response:
        scope = request_scope(request)
        profile = _get(_profile_queryset(profiles_visible(scope)), id)
        if not profile_may_edit(scope, profile):
            return _forbidden("Seul le service d'insertion du département qui suit le dossier peut modifier ce profil.")
        serializer = CandidateFields(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = _profile_values(dict(serializer.validated_data), profile.organisation_id)
        profile_update(
            scope=scope,
            profile=profile,
            desired_metiers=values.pop("desired_metiers", None),
            consent_shared=values.pop("consent_shared", None),
            **values,
        )
        profile = _profile_queryset(CandidateProfile.objects.filter(pk=profile.pk)).get()
        return Response(CandidateOutput(profile, context={"scope": scope}).data)


# --- Proposals --------------------------------------------------------------------------------------


class ProposalEventOutput(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_label")
    note = serializers.CharField()


class ProposalOutput(serializers.Serializer):
    id = serializers.IntegerField()
    candidate = serializers.IntegerField(source="profile_id", help_text="Identifiant du profil de candidat")
    person = serializers.UUIDField(source="profile.person.public_id")
    offer = serializers.IntegerField(source="offer_id")
    company_name = serializers.CharField(source="offer.company.name")
    score = serializers.FloatField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()
    refusal_reason = serializers.CharField()
    hire_contract_type = serializers.CharField()
    hire_start_date = serializers.DateField(allow_null=True)
    allowed_transitions = serializers.SerializerMethodField()
    events = ProposalEventOutput(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_allowed_transitions(self, proposal: Proposal) -> list[str]:
        return [*workflow.PROPOSAL_TRANSITIONS.get(proposal.status, ())]


def _proposals_visible(scope: AccessScope) -> QuerySet[Proposal]:
    return (
        Proposal.objects.filter(profile__in=profiles_visible(scope))
        .select_related("profile__person", "offer__company")
        .prefetch_related("events")
    )


class ProposalInput(StrictInput):
    candidate = _id_field(help_text="Identifiant du profil de candidat")
    offer = _id_field()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


def _explanation(profile: CandidateProfile, offer: Offer) -> matching.Explanation:
    today = timezone.localdate()
    return matching.explain(selectors.candidate_row(profile, today=today), selectors.offer_row(offer), commune_coordinates())


class ProposalListApi(APIView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="insertion_proposals_list",
        summary="Propositions",
        description="Les propositions faites aux personnes que ce jeton peut voir.",
        parameters=[
            OpenApiParameter("status", str, enum=[*Proposal.Status.values, ""]),
            OpenApiParameter("candidate", ID_SCHEMA, description="Identifiant du profil de candidat"),
            OpenApiParameter("offer", ID_SCHEMA, description="Identifiant de l'offre"),
        ],
        responses=ProposalOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        scope = request_scope(request)
        queryset = _proposals_visible(scope).order_by("-created_at", "-pk")
        params = request.query_params
        if params.get("status"):
            if params["status"] not in Proposal.Status.values:
                return Response({"status": ["Statut inconnu."]}, status=400)
            queryset = queryset.filter(status=params["status"])
        for name, field in (("candidate", "profile_id"), ("offer", "offer_id")):
            value = params.get(name)
            if value:
                if not (value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_ID):
                    return Response({name: ["Identifiant invalide."]}, status=400)
                queryset = queryset.filter(**{field: int(value)})
        paginator = _paginator(request)
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        read_note(scope=scope, persons=[item.profile.person for item in page], detail="API propositions d'insertion")
        return paginator.get_paginated_response(ProposalOutput(page, many=True).data)

    @extend_schema(
        operation_id="insertion_proposals_create",
        summary="Proposer une offre à un candidat",
        description="Réservé au service d'insertion du département qui suit le dossier. Le score et les raisons sont ceux "
        "du rapprochement. 409 : offre non publiée, profil inactif, ou proposition déjà en cours.",
        request=ProposalInput,
        responses={201: ProposalOutput, 409: None},
    )
    def post(self, request: Request) -> Response:
        scope = request_scope(request)
        if not scope_insertion_organisation_ids(scope):
            return _forbidden("Seul un service d'insertion peut faire une proposition.")
        serializer = ProposalInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        profile = _profile_queryset(profiles_visible(scope)).filter(pk=data["candidate"]).first()
        if profile is None:
            return Response({"candidate": ["Profil de candidat introuvable."]}, status=400)
        offer = _offers_readable(scope).filter(pk=data["offer"]).first()
        if offer is None:
            return Response({"offer": ["Offre introuvable."]}, status=400)
        if not profile_may_edit(scope, profile):
            return _forbidden("Seul le service d'insertion du département qui suit le dossier peut faire une proposition.")
        explanation = _explanation(profile, offer)
        try:
            proposal = proposal_create(
                scope=scope,
                profile=profile,
                offer=offer,
                score=round(min(max(explanation.score, 0.0), 1.0), 3),
                reasons=[*explanation.reasons, *explanation.violations],
                note=data["note"],
            )
        except ValidationError as error:
            return _refused(" ".join(error.messages))
        return Response(ProposalOutput(_proposals_visible(scope).get(pk=proposal.pk)).data, status=201)


class ProposalDetailApi(APIView):
    @extend_schema(
        parameters=[ID_PARAMETER],
        operation_id="insertion_proposals_retrieve",
        summary="Lire une proposition",
        responses=ProposalOutput,
    )
    def get(self, request: Request, id: int) -> Response:
        scope = request_scope(request)
        proposal = _get(_proposals_visible(scope), id)
        read_note(scope=scope, persons=[proposal.profile.person], detail=f"API proposition n° {proposal.pk}")
        return Response(ProposalOutput(proposal).data)


class ProposalTransitionInput(StrictInput):
    to = serializers.ChoiceField(choices=[c for c in Proposal.Status.choices if c[0] != Proposal.Status.PROPOSED])
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    refusal_reason = serializers.ChoiceField(
        choices=Proposal.RefusalReason.choices, required=False, help_text="Pour « refused » : le motif"
    )
    hire_contract_type = serializers.ChoiceField(
        choices=ContractType.choices, required=False, help_text="Pour « hired » : le contrat signé"
    )
    hire_start_date = serializers.DateField(required=False, help_text="Pour « hired » : la date d'embauche")
    interview = serializers.UUIDField(
        required=False, help_text="Pour « interview » : le rendez-vous d'entretien de la personne (identifiant d'un rendez-vous)"
    )


class ProposalTransitionApi(APIView):
    @extend_schema(
        parameters=[ID_PARAMETER],
        operation_id="insertion_proposals_transition",
        summary="Faire avancer une proposition",
        description="`to` : candidate_agreed, shared_with_employer (la personne doit avoir consenti au partage), interview, "
        "hired (avec `hire_contract_type` et `hire_start_date`), refused (avec `refusal_reason`) ou withdrawn. "
        "Un pas que le cycle de vie n'admet pas répond 409.",
        request=ProposalTransitionInput,
        responses={200: ProposalOutput, 409: None},
    )
    def post(self, request: Request, id: int) -> Response:
        scope = request_scope(request)
        proposal = _get(_proposals_visible(scope), id)
        if not profile_may_edit(scope, proposal.profile):
            return _forbidden("Seul le service d'insertion du département qui suit le dossier peut faire avancer la proposition.")
        serializer = ProposalTransitionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        to = data["to"]
        if to == Proposal.Status.REFUSED and not data.get("refusal_reason"):
            return Response({"refusal_reason": ["Indiquez le motif du refus."]}, status=400)
        if to == Proposal.Status.HIRED:
            missing = {
                name: ["Indiquez le contrat signé." if name == "hire_contract_type" else "Indiquez la date d'embauche."]
                for name in ("hire_contract_type", "hire_start_date")
                if not data.get(name)
            }
            if missing:
                return Response(missing, status=400)
        interview = None
        if data.get("interview"):
            if to != Proposal.Status.INTERVIEW:
                return Response({"interview": ["Un rendez-vous ne se joint qu'au passage à « interview »."]}, status=400)
            # Only an appointment of this person that the caller may see.
            interview = (
                person_appointments(scope=scope, person_id=proposal.profile.person_id).filter(public_id=data["interview"]).first()
            )
            if interview is None:
                return Response({"interview": ["Rendez-vous introuvable pour cette personne."]}, status=400)
        try:
            proposal_transition(
                scope=scope,
                proposal=proposal,
                to_status=to,
                note=data["note"],
                refusal_reason=data.get("refusal_reason", ""),
                hire_contract_type=data.get("hire_contract_type", ""),
                hire_start_date=data.get("hire_start_date"),
                interview=interview,
            )
        except workflow.TransitionRefused as refused:
            return _refused(str(refused))
        return Response(ProposalOutput(_proposals_visible(scope).get(pk=proposal.pk)).data)


# --- Ranked lists -----------------------------------------------------------------------------------


class RankedCandidateOutput(serializers.Serializer):
    rank = serializers.IntegerField()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Une raison par critère, en français")
    candidate = serializers.IntegerField(help_text="Identifiant du profil de candidat")
    person = serializers.UUIDField()


class RankedOfferOutput(serializers.Serializer):
    rank = serializers.IntegerField()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Une raison par critère, en français")
    offer = OfferOutput()


LIMIT_PARAMETER = OpenApiParameter(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": MAX_RANKED},
    description=f"Nombre de résultats (10 par défaut, {MAX_RANKED} au plus)",
)


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return 10
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_RANKED):
        raise serializers.ValidationError({"limit": [f"Nombre entier de 1 à {MAX_RANKED} attendu."]})
    return int(raw)


class OfferCandidatesApi(APIView):
    @extend_schema(
        operation_id="insertion_offers_candidates",
        summary="Candidats pour une offre, du plus pertinent au moins pertinent",
        description="Les profils actifs visibles, suivis par un département qui suit l'entreprise, qui respectent toutes les "
        "contraintes de l'offre ; score entre 0 et 1 et ses raisons.",
        parameters=[ID_PARAMETER, LIMIT_PARAMETER],
        responses=RankedCandidateOutput(many=True),
    )
    def get(self, request: Request, id: int) -> Response:
        scope = request_scope(request)
        offer = _get(_offers_readable(scope), id)
        limit = _limit(request)
        organisation_ids = set(offer.company.organisations.values_list("pk", flat=True)) & set(scope.organisation_ids)
        profiles = list(profiles_visible(scope, selectors.profiles_seeking(organisation_ids=organisation_ids)))
        today = timezone.localdate()
        ranked = matching.candidates_for(
            selectors.offer_row(offer),
            [selectors.candidate_row(profile, today=today) for profile in profiles],
            commune_coordinates(),
            limit=limit,
        )
        by_id = {str(profile.pk): profile for profile in profiles}
        rows = [
            {
                "rank": item.rank,
                "score": round(item.score, 3),
                "reasons": list(item.reasons),
                "candidate": int(item.candidate_id),
                "person": by_id[item.candidate_id].person.public_id,
            }
            for item in ranked
        ]
        read_note(
            scope=scope,
            persons=[by_id[item.candidate_id].person for item in ranked],
            detail=f"API candidats pour l'offre n° {offer.pk}",
        )
        return Response(RankedCandidateOutput(rows, many=True).data)


class CandidateOffersApi(APIView):
    @extend_schema(
        operation_id="insertion_candidates_offers",
        summary="Offres pour un candidat, de la plus pertinente à la moins pertinente",
        description="Les offres publiées des entreprises suivies par le département du dossier qui respectent toutes les "
        "contraintes du candidat ; score entre 0 et 1 et ses raisons.",
        parameters=[ID_PARAMETER, LIMIT_PARAMETER],
        responses=RankedOfferOutput(many=True),
    )
    def get(self, request: Request, id: int) -> Response:
        scope = request_scope(request)
        profile = _get(_profile_queryset(profiles_visible(scope)), id)
        limit = _limit(request)
        today = timezone.localdate()
        offers = list(
            selectors.offers_open(organisation_ids=[profile.organisation_id], today=today)
            .filter(pk__in=_offers_readable(scope).values("pk"))
            .select_related("metier")
        )
        ranked = matching.offers_for(
            selectors.candidate_row(profile, today=today),
            [selectors.offer_row(offer) for offer in offers],
            commune_coordinates(),
            limit=limit,
        )
        by_id = {str(offer.pk): offer for offer in offers}
        rows = [
            {"rank": item.rank, "score": round(item.score, 3), "reasons": list(item.reasons), "offer": by_id[item.offer_id]}
            for item in ranked
        ]
        read_note(scope=scope, persons=[profile.person], detail=f"API offres pour le profil d'insertion n° {profile.pk}")
        return Response(RankedOfferOutput(rows, many=True).data)


__all__ = [
    "CandidateDetailApi",
    "CandidateListApi",
    "CandidateOffersApi",
    "CompanyDetailApi",
    "CompanyListApi",
    "OfferCandidatesApi",
    "OfferDetailApi",
    "OfferListApi",
    "OfferStatusApi",
    "ProposalDetailApi",
    "ProposalListApi",
    "ProposalTransitionApi",
]
