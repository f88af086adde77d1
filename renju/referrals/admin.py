"""Admin views of referral imports are read-only: rows go in only through the importer, which keeps the report."""

from django.contrib import admin

from renju.plans.admin import ReadOnly
from renju.referrals.models import Referral, ReferralBatch


@admin.register(ReferralBatch)
class ReferralBatchAdmin(ReadOnly):
    list_display = ("filename", "office", "imported_by", "imported_at", "rows", "created", "existing", "refused")
    search_fields = ("filename", "office", "sha256")
    list_select_related = ("imported_by",)


@admin.register(Referral)
class ReferralAdmin(ReadOnly):
    list_display = ("office", "reference", "referred_on", "due_on", "problem", "batch")
    list_filter = ("office",)
    search_fields = ("reference", "office", "problem__number")
    list_select_related = ("problem", "batch")
