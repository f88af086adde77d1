"""Read-only admin views of the plan: it changes only by loading a plan file, so that the file stays the truth."""

from django.contrib import admin

from renju.plans import models as m


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(m.Plan)
class PlanAdmin(ReadOnly):
    list_display = ("code", "name", "document", "is_active", "loaded_at")


@admin.register(m.Unit)
class UnitAdmin(ReadOnly):
    list_display = ("code", "name", "kind", "group", "region", "active")
    list_filter = ("group", "kind", "active")
    search_fields = ("code", "name", "full_name")


@admin.register(m.Category)
class CategoryAdmin(ReadOnly):
    list_display = ("code", "name", "national_code", "task", "default_unit", "territorial", "active")
    list_filter = ("task__domain", "active")
    search_fields = ("code", "name", "national_code")


@admin.register(m.Task)
class TaskAdmin(ReadOnly):
    list_display = ("number", "title", "domain")


@admin.register(m.Region)
class RegionAdmin(ReadOnly):
    list_display = ("code", "name", "kind", "parent", "demo")
    list_filter = ("kind", "demo")
    search_fields = ("code", "name")
    exclude = ("boundary",)
