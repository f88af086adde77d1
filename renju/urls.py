from django.contrib import admin
from django.urls import path

from renju.api.urls import api
from renju.web import views as web

urlpatterns = [
    path("", web.home, name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
