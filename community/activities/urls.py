"""The pages of group activities, included by community/urls.py under activiteiten/ in its namespace
("community:activity_list", ...)."""

from __future__ import annotations

from django.urls import path

from community.activities import views

urlpatterns = [
    path("", views.activity_list, name="activity_list"),
    path("nieuw/", views.activity_create, name="activity_create"),
    path("<int:pk>/", views.activity_detail, name="activity_detail"),
    path("<int:pk>/wijzigen/", views.activity_update, name="activity_update"),
    path("<int:pk>/afgelasten/", views.activity_cancel, name="activity_cancel"),
    path("<int:pk>/aanmelden/", views.signup_create, name="signup_create"),
    path("aanmeldingen/<int:pk>/afmelden/", views.signup_cancel, name="signup_cancel"),
]
