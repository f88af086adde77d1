"""Open311 submissions in the admin, read-only: the one place their contact details can be read (by admins)."""

from django.contrib import admin

from renju.open311.models import Submission
from renju.plans.admin import ReadOnly


@admin.register(Submission)
class SubmissionAdmin(ReadOnly):
    list_display = ("problem", "account", "client_id", "service_code", "located_by", "created_at")
    list_filter = ("located_by", "account")
    search_fields = ("client_id", "token", "problem__number")
    list_select_related = ("problem", "account")
