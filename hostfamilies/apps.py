from django.apps import AppConfig


class HostfamiliesConfig(AppConfig):
    name = "hostfamilies"
    default_auto_field = "django.db.models.BigAutoField"
