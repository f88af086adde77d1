"""Open311 GeoReport v2 endpoints, mounted at /open311/v2/.

Each resource ends in .xml or .json (no extension = XML); a path that is no resource of ours still answers in the
spec's error format.
"""

from __future__ import annotations

from django.urls import path, re_path

from renju.open311 import views

app_name = "open311"

FMT = r"(?:\.(?P<fmt>xml|json))?"

urlpatterns = [
    path("", views.index, name="index"),
    re_path(rf"^discovery{FMT}$", views.discovery, name="discovery"),
    re_path(rf"^services{FMT}$", views.service_list, name="services"),
    re_path(rf"^services/(?P<service_code>[^/]+?){FMT}$", views.service_definition, name="service_definition"),
    re_path(rf"^requests{FMT}$", views.requests_, name="requests"),
    re_path(rf"^requests/(?P<service_request_id>[^/]+?){FMT}$", views.request_detail, name="request"),
    re_path(rf"^tokens/(?P<token>[^/]+?){FMT}$", views.token, name="token"),
    re_path(rf"^servicerequestupdates{FMT}$", views.service_request_updates, name="updates"),
    re_path(rf"^(?P<path>.*?){FMT}$", views.not_found, name="not_found"),
]
