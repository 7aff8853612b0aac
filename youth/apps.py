from django.apps import AppConfig


class YouthConfig(AppConfig):
    name = "youth"
    default_auto_field = "django.db.models.BigAutoField"
