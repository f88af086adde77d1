"""Admin views of problems are read-only: every change goes through `problems.lifecycle`."""

from django.contrib import admin

from renju.plans.admin import ReadOnly
from renju.problems.models import Photo, Problem, ProblemEvent


class EventInline(admin.TabularInline):
    model = ProblemEvent
    fields = ("seq", "action", "actor", "at", "from_status", "to_status", "details")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Problem)
class ProblemAdmin(ReadOnly):
    list_display = ("number", "category", "status", "unit", "source", "reported_at", "due_at")
    list_filter = ("status", "source", "visit", "is_key")
    search_fields = ("number", "description", "address")
    list_select_related = ("category", "unit")
    inlines = [EventInline]


@admin.register(Photo)
class PhotoAdmin(ReadOnly):
    list_display = ("id", "problem", "kind", "filename", "taken_at", "uploaded_at")
    list_select_related = ("problem",)
