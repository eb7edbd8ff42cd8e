from django.contrib import admin

from relais.requests.models import Procedure


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    """The catalogue of procedures, edited by administrators: regime, delay, documents, online form."""

    list_display = [
        "code",
        "name",
        "organisation",
        "service",
        "regime",
        "delay_value",
        "delay_unit",
        "online_open",
        "is_example",
        "is_active",
    ]
    list_filter = ["organisation", "regime", "online_open", "is_example", "is_active"]
    search_fields = ["code", "name", "legal_source"]
