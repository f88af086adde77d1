"""Admin: notices, deliveries and job runs are records (read-only, except re-queueing a failed delivery);
contacts — where units and people are reached outside the app — are edited here."""

from django.contrib import admin
from django.utils import timezone

from renju.notify.models import Contact, Delivery, JobRun, Notification
from renju.plans.admin import ReadOnly


@admin.register(Notification)
class NotificationAdmin(ReadOnly):
    list_display = ("created_at", "kind", "title", "recipient", "unit", "read_at")
    list_filter = ("kind",)
    search_fields = ("title", "body", "recipient__username")
    list_select_related = ("recipient", "unit")
    date_hierarchy = "created_at"


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly):
    list_display = ("created_at", "channel", "target", "status", "attempts", "next_attempt_at", "sent_at",
                    "last_error")
    list_filter = ("status", "channel")
    search_fields = ("target", "last_error")
    actions = ["retry_now"]

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser  # the retry action needs it; the fields stay read-only

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.action(description="重新发送所选记录")
    def retry_now(self, request, queryset) -> None:
        count = queryset.exclude(status=Delivery.Status.SENT).update(
            status=Delivery.Status.PENDING, next_attempt_at=timezone.now())
        self.message_user(request, f"{count} 条将在下次外发时重新发送")


@admin.register(JobRun)
class JobRunAdmin(ReadOnly):
    list_display = ("job", "period", "started_at", "finished_at", "worker", "result", "error")
    list_filter = ("job",)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("unit", "user", "channel", "target", "note", "active")
    list_filter = ("channel", "active")
    search_fields = ("target", "note", "unit__name", "user__username")
    autocomplete_fields = ("user",)
    list_select_related = ("unit", "user")
