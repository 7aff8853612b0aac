from __future__ import annotations

from django.urls import path

from training import views

app_name = "training"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("cursussen/nieuw/", views.course_create, name="course_create"),
    path("cursussen/<int:pk>/bijeenkomst-plannen/", views.session_create, name="session_create"),
    path("bijeenkomsten/<int:pk>/", views.session_detail, name="session_detail"),
    path("bijeenkomsten/<int:pk>/inschrijven/", views.session_enrol, name="session_enrol"),
    path(
        "bijeenkomsten/<int:pk>/vrijwilliger-inschrijven/",
        views.session_enrol_volunteer,
        name="session_enrol_volunteer",
    ),
    path("inschrijvingen/<int:pk>/afmelden/", views.enrolment_cancel, name="enrolment_cancel"),
    path("inschrijvingen/<int:pk>/aanwezigheid/", views.attendance_record, name="attendance_record"),
]
