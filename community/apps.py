from django.apps import AppConfig


class CommunityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "community"
    verbose_name = "Sociale kaart"

    def ready(self) -> None:
        # Imported when the apps are ready: these modules import models, which Django loads after the AppConfigs.
        from community.brokers.selectors import broker_ids_for, brokerrequest_of_case, conversation_members
        from messaging.models import Conversation
        from messaging.services.membership import conversation_members_register
        from youth.parties import supporters_register
        from youth.views import case_page_part_register

        conversation_members_register(Conversation.Kind.BROKER, conversation_members)
        supporters_register("social brokers", broker_ids_for)
        case_page_part_register("broker_request", brokerrequest_of_case)
