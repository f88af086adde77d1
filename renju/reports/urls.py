from django.urls import path

from renju.reports.views import report_download

app_name = "reports"

urlpatterns = [
    path("<str:kind>/", report_download, name="download"),
]
