from __future__ import annotations

from django.urls import path

from community import activity_views, views

app_name = "community"

urlpatterns = [
    path("", views.index, name="index"),
    path("zoeken/", views.search, name="search"),
    path("nieuw/", views.resource_create, name="create"),
    path("afdrukken/", views.print_overview, name="print"),
    path("importeren/", views.import_csv, name="import"),
    path("exporteren/", views.export_csv, name="export"),
    path("<int:pk>/", views.resource_detail, name="detail"),
    path("<int:pk>/wijzigen/", views.resource_update, name="update"),
    path("<int:pk>/gecontroleerd/", views.resource_mark_checked, name="mark_checked"),
    path("activiteiten/", activity_views.activity_list, name="activity_list"),
    path("activiteiten/nieuw/", activity_views.activity_create, name="activity_create"),
    path("activiteiten/<int:pk>/", activity_views.activity_detail, name="activity_detail"),
    path("activiteiten/<int:pk>/wijzigen/", activity_views.activity_update, name="activity_update"),
    path("activiteiten/<int:pk>/afgelasten/", activity_views.activity_cancel, name="activity_cancel"),
    path("activiteiten/<int:pk>/aanmelden/", activity_views.signup_create, name="signup_create"),
    path("activiteiten/aanmeldingen/<int:pk>/afmelden/", activity_views.signup_cancel, name="signup_cancel"),
]
