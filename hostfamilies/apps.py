from django.apps import AppConfig


class HostfamiliesConfig(AppConfig):
    name = "hostfamilies"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported when the apps are ready: these modules import models, which Django loads after the AppConfigs.
        from hostfamilies.selectors import conversation_members, open_match_counts, support_family_ids_for
        from hostfamilies.states import FINISHED_STATES, State
        from messaging.models import Conversation
        from messaging.services.membership import conversation_members_register, conversation_steps_register
        from volunteers.selectors import readiness_matches_register
        from youth.parties import supporters_register

        conversation_members_register(Conversation.Kind.MATCH, conversation_members)
        # The group starts with the trial period (or when the match runs) and ends with the match.
        conversation_steps_register("match", running=(State.TRIAL, State.ACTIVE), finished=FINISHED_STATES)

        supporters_register("support families", support_family_ids_for)
        # A support family's readiness counts the places its open matches take.
        readiness_matches_register("support families", open_match_counts)
