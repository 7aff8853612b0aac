from __future__ import annotations

from django.urls import path

from volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("", views.pipeline, name="pipeline"),
    path("aanmelden/", views.register, name="register"),
    path("aanmelden/bedankt/", views.registered, name="registered"),
    path("mijn/", views.own, name="own"),
    path("mijn/status/", views.own_status, name="own_status"),
    path("mijn/beschikbaarheid/", views.own_availability, name="own_availability"),
    path("mijn/afwezig/", views.own_unavailability_add, name="own_unavailability_add"),
    path("mijn/afwezig/<int:pk>/verwijderen/", views.own_unavailability_remove, name="own_unavailability_remove"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/intake/", views.intake, name="intake"),
    path("<int:pk>/huisbezoek/", views.home_visit, name="home_visit"),
    path("<int:pk>/referenties/", views.reference_add, name="reference_add"),
    path("referenties/<int:pk>/", views.reference_record, name="reference_record"),
    path("<int:pk>/vog/", views.vog_request, name="vog_request"),
    path("vog/<int:pk>/ontvangen/", views.vog_receive, name="vog_receive"),
]
