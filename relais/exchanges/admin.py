from django.contrib import admin

from relais.exchanges.models import Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "service", "is_active"]
    list_filter = ["service", "is_active"]
    search_fields = ["name"]
