"""The ROME reference in the administration (administrators manage reference data). The
network itself is edited in the application, where the access table applies."""

from django.contrib import admin

from .models import RomeAppellation, RomeCode
from .rome import title_search


@admin.register(RomeCode)
class RomeCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "label"]
    search_fields = ["code", "label"]


@admin.register(RomeAppellation)
class RomeAppellationAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "rome"]
    list_select_related = ["rome"]
    search_fields = ["label", "code", "rome__code"]
    autocomplete_fields = ["rome"]

    def save_model(self, request, obj, form, change):
        obj.search = title_search(obj.label)
        super().save_model(request, obj, form, change)
