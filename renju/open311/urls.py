"""Open311 GeoReport v2 endpoints, mounted at /open311/v2/."""

from __future__ import annotations

app_name = "open311"
urlpatterns: list = []
