from __future__ import annotations

from django.urls import path, re_path

from respite import views

app_name = "respite"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("opties/nieuw/", views.option_create, name="option_create"),
    path("opties/<int:pk>/", views.option_detail, name="option_detail"),
    path("opties/<int:pk>/wijzigen/", views.option_edit, name="option_edit"),
    path("opties/<int:pk>/boeken/", views.stay_create, name="stay_create"),
    path("verblijven/<int:pk>/", views.stay_detail, name="stay_detail"),
    path("verblijven/<int:pk>/besluit/", views.stay_decide, name="stay_decide"),
    path("verblijven/<int:pk>/annuleren/", views.stay_cancel, name="stay_cancel"),
    path("agenda/", views.feed_page, name="feed_page"),
    path("agenda/vernieuwen/", views.feed_renew, name="feed_renew"),
    re_path(r"^agenda/(?P<token>[A-Za-z0-9_-]{16,64})\.ics$", views.feed, name="feed"),
]
