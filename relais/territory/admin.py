"""Django admin for reference data only (administrators): persons and exchanges are never edited here,
so that every read of a person's file goes through the logged pages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from relais.territory.models import Agent, Commune, Membership, Organisation, Service, Site


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "organisation", "kind", "commune", "is_active"]
    list_filter = ["kind", "organisation", "is_active"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["commune"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_sensitive", "may_process_nir"]
    list_filter = ["is_sensitive", "may_process_nir", "organisations"]
    search_fields = ["code", "name"]
    filter_horizontal = ["organisations"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["insee_code", "name", "department", "postcodes", "population"]
    list_filter = ["department"]
    search_fields = ["insee_code", "name", "postcodes"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["organisation", "service", "site"]


@admin.register(Agent)
class AgentAdmin(UserAdmin):
    ordering = ["last_name", "first_name"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff", "last_login"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("first_name", "last_name", "phone")}),
        # Groups and permissions grant what a role does not, e.g. people.merge_person (duplicate review).
        ("Droits", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "first_name", "last_name", "password1", "password2")}),)
    inlines = [MembershipInline]
    filter_horizontal = ("groups", "user_permissions")
    list_filter = ["is_active", "is_staff", "memberships__organisation"]
