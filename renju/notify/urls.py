"""Notification pages. Included by `renju/urls.py` into the `web` namespace (`web:notifications` …)."""

from django.urls import path

from renju.notify import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/count", views.notification_count, name="notifications_count"),
    path("notifications/read-all", views.notification_read_all, name="notifications_read_all"),
    path("notifications/<int:notification_id>/read", views.notification_read, name="notification_read"),
]
