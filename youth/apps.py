from django.apps import AppConfig


class YouthConfig(AppConfig):
    name = "youth"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Both modules import models, which Django loads after the AppConfigs: imported when the apps are ready.
        from accesslog.services import accesslog_rules_register
        from youth.selectors import case_access_role, youngperson_access_basis

        # The access log sits below youth: youth tells it through which role someone reads a record.
        accesslog_rules_register(
            young_person_basis=youngperson_access_basis,
            case_basis=lambda user, case: (case_access_role(user, case), case.organisation.name),
        )
