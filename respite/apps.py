from django.apps import AppConfig


class RespiteConfig(AppConfig):
    name = "respite"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported when the apps are ready: these modules import models, which Django loads after the AppConfigs.
        from respite.selectors import host_family_ids_for
        from youth.parties import supporters_register

        supporters_register("respite hosts", host_family_ids_for)
