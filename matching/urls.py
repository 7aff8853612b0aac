from __future__ import annotations

from django.urls import path

from matching import views
from matching.selectors import BROKER, BUDDY

app_name = "matching"

urlpatterns = [
    path("wachtlijst/", views.waiting_list, name="waiting_list"),
    path("aanvragen/<int:pk>/", views.proposal_round, name="round"),
    path("aanvragen/<int:pk>/zoeken/", views.round_suggest, name="round_suggest"),
    path("aanvragen/<int:pk>/tonen/", views.round_show, name="round_show"),
    path("aanvragen/<int:pk>/kiezen/", views.choose, name="choose"),
    path("maatjes/<int:pk>/", views.proposal_round, {"kind": BUDDY}, name="buddy_round"),
    path("maatjes/<int:pk>/zoeken/", views.round_suggest, {"kind": BUDDY}, name="buddy_round_suggest"),
    path("maatjes/<int:pk>/tonen/", views.round_show, {"kind": BUDDY}, name="buddy_round_show"),
    path("maatjes/<int:pk>/kiezen/", views.choose, {"kind": BUDDY}, name="buddy_choose"),
    path("makelaars/<int:pk>/", views.proposal_round, {"kind": BROKER}, name="broker_round"),
    path("makelaars/<int:pk>/zoeken/", views.round_suggest, {"kind": BROKER}, name="broker_round_suggest"),
    path("makelaars/<int:pk>/tonen/", views.round_show, {"kind": BROKER}, name="broker_round_show"),
    path("makelaars/<int:pk>/kiezen/", views.choose, {"kind": BROKER}, name="broker_choose"),
    path("voorstellen/<int:pk>/", views.ask, name="ask"),
    path("voorstellen/<int:pk>/uitsluiten/", views.exclude, name="exclude"),
    path("voorstellen/<int:pk>/goedkeuren/", views.approve, name="approve"),
]
