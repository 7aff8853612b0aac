from __future__ import annotations

from django.urls import include, path

from community import views

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
    # The rooms of community/: the social broker's work (makelaar/, verbindingen/), and group activities. Their
    # URL names stay in this namespace.
    path("", include("community.brokers.urls")),
    path("activiteiten/", include("community.activities.urls")),
]
