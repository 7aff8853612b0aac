from __future__ import annotations

from django.urls import path

from insights import views

app_name = "insights"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("kwartaalrapport/", views.report, name="report"),
    path("export.csv", views.export_csv, name="export"),
]
