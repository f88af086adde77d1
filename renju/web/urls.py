"""Page URLs. Each role's module under `views/` declares its own `urlpatterns`."""

from django.contrib.auth import views as auth_views
from django.urls import path

from renju.web.views import assessment, common, dispatcher, evidence, handler, inspector, leader, ledger, problem

app_name = "web"

urlpatterns = [
    path("", common.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="web/auth/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="web/auth/password_change.html", success_url="/password/done/"
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="web/auth/password_change_done.html"),
        name="password_change_done",
    ),
    *problem.urlpatterns,
    *inspector.urlpatterns,
    *dispatcher.urlpatterns,
    *handler.urlpatterns,
    *leader.urlpatterns,
    *ledger.urlpatterns,
    *evidence.urlpatterns,
    *assessment.urlpatterns,
]
