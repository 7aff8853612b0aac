"""What a row of the access log says was seen: the codes stored in `AccessLogEntry.what`, and their labels.

The field has no database choices: a feature that logs a new kind of read adds a value here, and no migration.
The service refuses a code that is not listed (`accesslog.services`); the young person's own log shows the label.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class What(models.TextChoices):
    PROFILE = "profile", _("profile")
    CASE = "case", _("case")
    CONSENT = "consent", _("consent")
    LIST = "list", _("name in a list")
    SUPPORT_FAMILY = "support_family", _("support family request or match")
    NETWORK = "network", _("network map")
    MENTORSHIP = "mentorship", _("JIM mentorship")
    SOCIAL_BROKER = "social_broker", _("request for a social broker or referral")
    GROUP_ACTIVITY = "group_activity", _("who takes part in a group activity")
    MESSAGES = "messages", _("a conversation and its messages")
    # Figures about groups (insights): no young person's record is shown, so the row has no subject.
    INSIGHTS = "insights", _("figures about groups")
