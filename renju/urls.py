from django.contrib import admin
from django.urls import include, path

from renju.api.urls import api
from renju.drones import urls as drone_urls
from renju.hotline import urls as hotline_urls
from renju.notify import urls as notify_urls
from renju.referrals import urls as referral_urls
from renju.video import urls as video_urls
from renju.web import urls as web_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("reports/", include(("renju.reports.urls", "reports"))),
    # The notification pages join the `web` namespace (web:notifications …) beside the web app's own pages.
    path("open311/v2/", include("renju.open311.urls")),
    path("", include((web_urls.urlpatterns + notify_urls.urlpatterns + hotline_urls.urlpatterns
                      + video_urls.urlpatterns + drone_urls.urlpatterns + referral_urls.urlpatterns, "web"))),
]
