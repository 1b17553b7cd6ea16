from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from o2r.accounts.forms import LoginForm
from o2r.core import views as core_views

admin.site.site_header = "O2R — administration"
admin.site.site_title = "O2R"
admin.site.index_title = "Comptes, résidences et données de référence"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's).
    path("favicon.ico", core_views.favicon),
    path(
        "connexion/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("o2r.accounts.urls")),
    path("mot-de-passe/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "mot-de-passe/modifie/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("systeme/worker/", core_views.worker_check, name="worker_check"),
    path("residents/", include("residents.urls")),
    path("rappels/", include("o2r.reminders.urls")),
    path("aller-vers/", include("outreach.urls")),
    path("entreprises/", include("employers.urls")),
    path("accompagnement/", include("employment.urls")),
    path("sms/", include("o2r.sms.urls")),
    path("tableau-de-bord/", include("o2r.dashboard.urls")),
    path("admin/", admin.site.urls),
]
