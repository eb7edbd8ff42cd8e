from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from relais.insertion.models import (
    CandidateProfile,
    Company,
    CompanySite,
    EmployerContact,
    Offer,
    Proposal,
    ProposalEvent,
    RomeAppellation,
    RomeMetier,
)
from relais.insertion.services import employer_contact_invite


class RomeAppellationInline(admin.TabularInline):
    model = RomeAppellation
    extra = 0


@admin.register(RomeMetier)
class RomeMetierAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "domain"]
    list_filter = ["domain"]
    search_fields = ["code", "label"]
    inlines = [RomeAppellationInline]


@admin.register(RomeAppellation)
class RomeAppellationAdmin(admin.ModelAdmin):
    list_display = ["label", "metier", "code"]
    search_fields = ["label", "code", "metier__code"]
    list_select_related = ["metier"]


class CompanySiteInline(admin.TabularInline):
    model = CompanySite
    extra = 0
    autocomplete_fields = ["commune"]


class EmployerContactInline(admin.TabularInline):
    model = EmployerContact
    extra = 0
    raw_id_fields = ["account"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "siret", "naf_code", "commune", "account_manager", "is_active"]
    list_filter = ["is_active", "organisations"]
    search_fields = ["name", "siret", "naf_code"]
    autocomplete_fields = ["commune"]
    raw_id_fields = ["account_manager"]
    filter_horizontal = ["organisations"]
    inlines = [CompanySiteInline, EmployerContactInline]


@admin.register(CompanySite)
class CompanySiteAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "siret", "commune"]
    search_fields = ["name", "siret", "company__name"]
    autocomplete_fields = ["commune", "company"]


@admin.register(EmployerContact)
class EmployerContactAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "company", "role", "email", "is_active"]
    search_fields = ["last_name", "first_name", "email", "company__name"]
    autocomplete_fields = ["company"]
    raw_id_fields = ["account"]
    actions = ["invite"]

    @admin.action(description="Inviter à l'espace employeur (e-mail avec un lien pour choisir le mot de passe)")
    def invite(self, request, queryset):  # type: ignore[no-untyped-def]
        for contact in queryset.select_related("company"):
            try:
                employer_contact_invite(contact=contact, actor=request.user)
            except ValidationError as error:
                self.message_user(request, f"{contact} : {' '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"{contact} : invitation envoyée.")


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["__str__", "metier", "contract_type", "commune", "positions", "start_date", "status"]
    list_filter = ["status", "contract_type", "night_work", "weekend_work"]
    search_fields = ["title", "company__name", "metier__code", "metier__label"]
    autocomplete_fields = ["company", "metier", "appellation", "commune"]
    raw_id_fields = ["site", "created_by"]
    list_select_related = ["company", "metier", "commune"]


@admin.register(CandidateProfile)
class CandidateProfileAdmin(admin.ModelAdmin):
    """Administrators only: the person's identity is shown by its id, the constraints are sensitive."""

    list_display = ["pk", "organisation", "referent", "education_level", "is_active", "consent_shared", "updated_at"]
    list_filter = ["organisation", "is_active", "consent_shared"]
    raw_id_fields = ["person", "referent"]
    filter_horizontal = ["desired_metiers"]
    exclude = ["constraints"]


class ProposalEventInline(admin.TabularInline):
    model = ProposalEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "actor_label", "note", "at"]

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """Read-only: the steps go through services.proposal_transition, which records the history."""

    list_display = ["pk", "offer", "status", "score", "refusal_reason", "created_at"]
    list_filter = ["status", "refusal_reason"]
    raw_id_fields = ["profile", "offer", "proposed_by", "interview"]
    inlines = [ProposalEventInline]

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
