from __future__ import annotations

from django.urls import path

from hostfamilies import views

app_name = "hostfamilies"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("aanvragen/nieuw/", views.request_create, name="request_create"),
    path("aanvragen/<int:pk>/", views.request_detail, name="request_detail"),
    path("aanvragen/<int:pk>/wijzigen/", views.request_edit, name="request_edit"),
    path("aanvragen/<int:pk>/intrekken/", views.request_withdraw, name="request_withdraw"),
    path("aanvragen/<int:pk>/voorstellen/", views.propose, name="propose"),
    path("koppelingen/<int:pk>/", views.match_detail, name="match_detail"),
    path("koppelingen/<int:pk>/stap/", views.match_move, name="match_move"),
    path(
        "koppelingen/<int:pk>/kennismaking/<slug:visit>/",
        views.match_introduction_record,
        name="match_introduction_record",
    ),
    path("koppelingen/<int:pk>/afspraken/", views.match_agreement_propose, name="match_agreement_propose"),
    path("koppelingen/<int:pk>/afspraken/akkoord/", views.match_agreement_agree, name="match_agreement_agree"),
    path("koppelingen/<int:pk>/evaluatie/", views.match_review_record, name="match_review_record"),
]
