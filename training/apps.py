from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported when the apps are ready: these modules import models, which Django loads after the AppConfigs.
        from training.selectors import TRAINING_PREFETCH, required_courses_missing, required_courses_missing_many
        from volunteers.selectors import readiness_courses_register

        readiness_courses_register(
            "training", required_courses_missing, missing_many=required_courses_missing_many, prefetch=TRAINING_PREFETCH
        )
