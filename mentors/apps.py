from django.apps import AppConfig


class MentorsConfig(AppConfig):
    name = "mentors"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mentors.selectors import mentor_ids_for
        from mentors.services import mentorships_follow_young_person
        from youth.parties import supporters_register, young_person_joined_register

        supporters_register("mentors", mentor_ids_for)
        young_person_joined_register("mentors", mentorships_follow_young_person)
