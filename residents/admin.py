from django.contrib import admin

from .models import Residence, ResidenceMembership


class MembershipInline(admin.TabularInline):
    model = ResidenceMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Residence)
class ResidenceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "city", "territory", "capacity", "active"]
    list_filter = ["territory", "kind", "active"]
    search_fields = ["name", "city", "address"]
    inlines = [MembershipInline]


@admin.register(ResidenceMembership)
class ResidenceMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "residence", "created_at"]
    list_filter = ["residence__territory", "residence"]
    list_select_related = ["user", "residence"]
    autocomplete_fields = ["user", "residence"]
    search_fields = ["user__email", "user__last_name", "residence__name"]
