from django.contrib import admin

from .models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only and kept 12 months."""

    list_display = ["at", "user", "action", "resident_id", "page", "count"]
    list_filter = ["action"]
    list_select_related = ["user"]
    search_fields = ["user__email", "page"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
