from django.contrib import admin

from relais.notifications.models import OutgoingMessage


@admin.register(OutgoingMessage)
class OutgoingMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "kind", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["channel", "status", "kind"]
    search_fields = ["recipient"]
    readonly_fields = [f.name for f in OutgoingMessage._meta.fields]

    def has_add_permission(self, request):
        return False
