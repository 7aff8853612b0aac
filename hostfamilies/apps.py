from django.apps import AppConfig


class HostfamiliesConfig(AppConfig):
    name = "hostfamilies"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hostfamilies.respite_selectors import host_family_ids_for
        from hostfamilies.selectors import support_family_ids_for
        from youth.parties import supporters_register

        supporters_register("support families", support_family_ids_for)
        supporters_register("respite hosts", host_family_ids_for)
