from django.apps import AppConfig


class MentorsConfig(AppConfig):
    name = "mentors"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported when the apps are ready: these modules import models, which Django loads after the AppConfigs.
        from mentors.selectors import conversation_members, mentor_ids_for, nomination_open_for
        from mentors.services import mentorships_follow_young_person
        from mentors.states import FINISHED_STATES, RUNNING_STATES
        from messaging.models import Conversation
        from messaging.services.membership import conversation_members_register, conversation_steps_register
        from youth.network.services import nomination_open_register
        from youth.parties import supporters_register, young_person_joined_register

        supporters_register("mentors", mentor_ids_for)
        young_person_joined_register("mentors", mentorships_follow_young_person)
        nomination_open_register("mentors", nomination_open_for)
        conversation_members_register(Conversation.Kind.TRIAD, conversation_members)
        conversation_members_register(Conversation.Kind.COACHING, conversation_members)
        conversation_steps_register("mentorship", running=RUNNING_STATES, finished=FINISHED_STATES)
