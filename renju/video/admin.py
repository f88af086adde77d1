"""Read-only admin views of the registry and the alarms: every change goes through renju.video.cameras and the
intake (region located, alarms decided), never through a bare form."""

from __future__ import annotations

from django.contrib import admin

from renju.video.models import Alarm, Camera


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Camera)
class CameraAdmin(ReadOnly):
    list_display = ("code", "name", "channel", "region", "road_class", "status", "updated_at")
    list_filter = ("status",)
    search_fields = ("code", "name", "address")


@admin.register(Alarm)
class AlarmAdmin(ReadOnly):
    list_display = ("occurred_at", "camera", "external_id", "alarm_type", "confidence", "outcome", "problem")
    list_filter = ("outcome", "alarm_type")
    search_fields = ("external_id", "camera__code")
    raw_id_fields = ("camera", "problem")
    list_select_related = ("camera", "problem")
