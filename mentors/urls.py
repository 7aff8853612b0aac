from __future__ import annotations

from django.urls import path

from mentors import views

app_name = "mentors"

urlpatterns = [
    path("", views.mentorship_list, name="list"),
    path("nieuw/<int:young_person_pk>/", views.nominate, name="nominate"),
    path("uitnodiging/<str:token>/", views.invitation, name="invitation"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/stap/", views.move, name="move"),
    path("<int:pk>/uitnodigen/", views.invite, name="invite"),
    path("<int:pk>/screening/", views.screening, name="screening"),
    path("<int:pk>/mandaat/", views.mandate, name="mandate"),
    path("<int:pk>/afspraken/", views.agreement_propose, name="agreement_propose"),
    path("<int:pk>/afspraken/akkoord/", views.agreement_agree, name="agreement_agree"),
    path("<int:pk>/gesprekken/", views.checkin, name="checkin"),
    path("<int:pk>/gesprekken/frequentie/", views.interval, name="interval"),
    path("<int:pk>/notities/", views.note, name="note"),
    path("<int:pk>/hoe-gaat-het/", views.rating, name="rating"),
    path("<int:pk>/afronden/", views.complete, name="complete"),
    path("<int:pk>/uitkomst/", views.outcome, name="outcome"),
]
