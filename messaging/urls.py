from __future__ import annotations

from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.conversation_list, name="list"),
    path("twilio/status/", views.twilio_status, name="twilio_status"),
    path("<int:pk>/", views.detail, name="detail"),
    path("traject/<int:case_pk>/ouder/<int:parent_pk>/", views.with_parent, name="with_parent"),
    path("<int:pk>/sturen/", views.send, name="send"),
    path("<int:pk>/sinds/", views.since, name="since"),
    path("<int:pk>/melden/<int:message_pk>/", views.report, name="report"),
    path("<int:pk>/verwijderen/<int:message_pk>/", views.delete, name="delete"),
]
