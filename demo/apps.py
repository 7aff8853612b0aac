from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo world (`manage.py demo_load`): made-up people, cases and history, loaded through every app's
    services. The top layer (DESIGN.md, Layout), beside home: it may ask every app; no app asks it. No models."""

    name = "demo"
    default_auto_field = "django.db.models.BigAutoField"
