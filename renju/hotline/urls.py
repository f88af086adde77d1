"""Pages of the hotline channel (included at the site root under the `web` namespace)."""

from __future__ import annotations

from django.urls import path

from renju.hotline import views

urlpatterns = [
    path("hotline/", views.orders, name="hotline_orders"),
    path("hotline/export.csv", views.orders_export, name="hotline_export"),
    path("hotline/import/", views.import_page, name="hotline_import"),
    path("hotline/<int:order_id>/", views.order_detail, name="hotline_order"),
    path("hotline/<int:order_id>/place/", views.order_place, name="hotline_order_place"),
    path("hotline/<int:order_id>/settle/", views.order_settle, name="hotline_order_settle"),
    path("hotline/<int:order_id>/reply/", views.order_reply_retry, name="hotline_order_reply_retry"),
]
