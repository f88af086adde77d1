"""Pages of the video channel (included at the site root under the `web` namespace)."""

from __future__ import annotations

from renju.video.views import arrive, cameras, reports

urlpatterns = [*cameras.urlpatterns, *reports.urlpatterns, *arrive.urlpatterns]
