from django.contrib import admin
from django.utils import timezone

from relais.api.models import ApiToken
from relais.core.wording import count_of


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with `relais create-api-token` (the secret is shown once); here they are revoked."""

    list_display = ["name", "organisation", "service", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["organisation"]
    readonly_fields = ["name", "organisation", "service", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Révoquer les jetons sélectionnés")
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{count_of(count, 'jeton révoqué', 'jetons révoqués')}.")
