"""The social broker's pages, included by community/urls.py in its namespace ("community:brokerrequests", ...)."""

from __future__ import annotations

from django.urls import path

from community.brokers import views

# Requests for a broker, and the referrals (verbindingen) the broker follows up.
urlpatterns = [
    path("makelaar/", views.overview, name="brokerrequests"),
    path("makelaar/vragen/<int:case_pk>/", views.ask, name="brokerrequest_ask"),
    path("makelaar/<int:pk>/", views.request_detail, name="brokerrequest_detail"),
    path("makelaar/<int:pk>/beeindigen/", views.end, name="brokerrequest_end"),
    path("makelaar/<int:pk>/verbinding/", views.referral_create, name="referral_create"),
    path("verbindingen/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("verbindingen/<int:pk>/stap/", views.referral_move, name="referral_move"),
]
