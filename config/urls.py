from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from core import views as core_views
from core.health import HEALTH_PATH
from portal import views as portal_views

# The admin logs in through allauth, so it gets the same rate limits and second factor as everyone else.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Dichtbij"

urlpatterns = [
    path("", portal_views.home, name="home"),
    path(HEALTH_PATH, core_views.healthz, name="healthz"),
    path("demo/login/", accounts_views.demo_login, name="demo_login"),
    # Before allauth's own: the same page, saying so when a login code has expired.
    path("accounts/login/code/confirm/", accounts_views.confirm_login_code, name="account_confirm_login_code"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jongeren/", include("youth.urls")),
    path("vrijwilligers/", include("volunteers.urls")),
    path("training/", include("training.urls")),
    path("steungezinnen/", include("hostfamilies.urls")),
    path("logeren/", include("respite.urls")),
    path("koppelen/", include("matching.urls")),
    path("onkosten/", include("expenses.urls")),
    path("mentoren/", include("mentors.urls")),
    path("inzicht/", include("insights.urls")),
    path("sociale-kaart/", include("community.urls")),
    path("berichten/", include("messaging.urls")),
    path("beheer/", admin.site.urls),
]
