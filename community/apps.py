from django.apps import AppConfig


class CommunityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "community"
    verbose_name = "Sociale kaart"

    def ready(self) -> None:
        from community.selectors import broker_ids_for
        from youth.parties import supporters_register

        supporters_register("social brokers", broker_ids_for)
