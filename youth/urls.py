from __future__ import annotations

from django.urls import path

from youth import views
from youth.invitation import views as invitation_views
from youth.network import views as network_views

app_name = "youth"

urlpatterns = [
    path("", views.youngperson_list, name="youngperson_list"),
    path("aanmelden/", views.youngperson_register, name="youngperson_register"),
    path("<int:pk>/", views.youngperson_detail, name="youngperson_detail"),
    path("<int:pk>/ouder-toevoegen/", views.guardian_add, name="guardian_add"),
    path("<int:pk>/ouders-meekijken/", views.parent_access, name="parent_access"),
    path("<int:pk>/ouders-meekijken/<int:guardianship_pk>/", views.parent_access_decide, name="parent_access_decide"),
    path("ouder-bevestigen/<int:pk>/", views.guardianship_confirm, name="guardianship_confirm"),
    path("<int:pk>/toestemming/", views.consent_page, name="consent"),
    path("<int:pk>/toestemming/besluit/", views.consent_decide, name="consent_decide"),
    path("<int:pk>/toestemming/vastleggen/", views.consent_record, name="consent_record"),
    path("<int:pk>/wie-keek/", views.accesslog_page, name="accesslog"),
    path("<int:pk>/account/", invitation_views.invite, name="account_invite"),
    path("welkom/<str:token>/", invitation_views.invitation, name="account_invitation"),
    path("<int:pk>/netwerk/", network_views.network_map, name="network_map"),
    path("<int:pk>/netwerk/toevoegen/", network_views.networkperson_add, name="networkperson_add"),
    path("<int:pk>/netwerk/<int:person_pk>/wijzigen/", network_views.networkperson_change, name="networkperson_change"),
    path(
        "<int:pk>/netwerk/<int:person_pk>/verwijderen/", network_views.networkperson_remove, name="networkperson_remove"
    ),
    path("<int:pk>/netwerk/keuze/", network_views.mentorchoice_edit, name="mentorchoice_edit"),
    path("<int:pk>/netwerk/zoektocht/", network_views.networksearch_record, name="networksearch_record"),
    path("trajecten/<int:pk>/", views.case_detail, name="case_detail"),
    path("trajecten/<int:pk>/professionals/", views.case_professional_add, name="case_professional_add"),
    path(
        "trajecten/<int:pk>/professionals/<int:user_pk>/eraf/",
        views.case_professional_remove,
        name="case_professional_remove",
    ),
]
