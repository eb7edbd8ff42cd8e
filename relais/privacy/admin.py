from django.contrib import admin

from relais.privacy.models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: the access log is consulted (by the data protection officer), never edited."""

    list_display = ["at", "actor_label", "action", "person_public_id", "ip_address", "detail"]
    list_filter = ["action", "actor_kind"]
    search_fields = ["actor_label", "=person_public_id", "ip_address"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
