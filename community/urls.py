from __future__ import annotations

from django.urls import path

from community import activity_views, broker_views, views

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
    # The social broker's work: requests for a broker, and the referrals (verbindingen) the broker follows up.
    path("makelaar/", broker_views.overview, name="brokerrequests"),
    path("makelaar/vragen/<int:case_pk>/", broker_views.ask, name="brokerrequest_ask"),
    path("makelaar/<int:pk>/", broker_views.request_detail, name="brokerrequest_detail"),
    path("makelaar/<int:pk>/beeindigen/", broker_views.end, name="brokerrequest_end"),
    path("makelaar/<int:pk>/verbinding/", broker_views.referral_create, name="referral_create"),
    path("verbindingen/<int:pk>/", broker_views.referral_detail, name="referral_detail"),
    path("verbindingen/<int:pk>/stap/", broker_views.referral_move, name="referral_move"),
    path("activiteiten/", activity_views.activity_list, name="activity_list"),
    path("activiteiten/nieuw/", activity_views.activity_create, name="activity_create"),
    path("activiteiten/<int:pk>/", activity_views.activity_detail, name="activity_detail"),
    path("activiteiten/<int:pk>/wijzigen/", activity_views.activity_update, name="activity_update"),
    path("activiteiten/<int:pk>/afgelasten/", activity_views.activity_cancel, name="activity_cancel"),
    path("activiteiten/<int:pk>/aanmelden/", activity_views.signup_create, name="signup_create"),
    path("activiteiten/aanmeldingen/<int:pk>/afmelden/", activity_views.signup_cancel, name="signup_cancel"),
]
