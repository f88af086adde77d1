from django.contrib import admin
from django.urls import include, path

from renju.api.urls import api
from renju.notify import urls as notify_urls
from renju.web import urls as web_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # The notification pages join the `web` namespace (web:notifications …) beside the web app's own pages.
    path("", include((web_urls.urlpatterns + notify_urls.urlpatterns, "web"))),
]
