from __future__ import annotations

from django.urls import path

from expenses import views

app_name = "expenses"

urlpatterns = [
    path("", views.claim_list, name="claim_list"),
    path("<int:pk>/goedkeuren/", views.claim_approve, name="claim_approve"),
    path("<int:pk>/afwijzen/", views.claim_refuse, name="claim_refuse"),
    path("<int:pk>/intrekken/", views.claim_withdraw, name="claim_withdraw"),
]
