from __future__ import annotations

from django.urls import path

from youth import views

app_name = "youth"

urlpatterns = [
    path("", views.youngperson_list, name="youngperson_list"),
    path("aanmelden/", views.youngperson_register, name="youngperson_register"),
    path("<int:pk>/", views.youngperson_detail, name="youngperson_detail"),
    path("<int:pk>/ouder-toevoegen/", views.guardian_add, name="guardian_add"),
    path("<int:pk>/toestemming/", views.consent_page, name="consent"),
    path("<int:pk>/toestemming/besluit/", views.consent_decide, name="consent_decide"),
    path("<int:pk>/wie-keek/", views.accesslog_page, name="accesslog"),
    path("trajecten/<int:pk>/", views.case_detail, name="case_detail"),
]
