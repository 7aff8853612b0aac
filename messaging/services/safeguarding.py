"""Writes of messaging about safeguarding: danger signs in a text and reports of a message, each a concern the
case professionals hear of (without the text)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.notify import notify
from messaging.models import Concern, Conversation, Member, Message
from messaging.services.membership import case_professionals_of

CONCERN_NOTICE = gettext_lazy(
    "A message in a conversation about a young person of your case needs your attention (a report or a danger sign)."
)


@lru_cache(maxsize=4)
def _danger_pattern(path: str, mtime: float) -> re.Pattern[str] | None:
    words = [
        line.strip().lower()
        for line in Path(path).read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    if not words:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + r")\b", re.IGNORECASE)


def danger_words_in(text: str) -> list[str]:
    """The danger-signal words and phrases of the configured list found in `text` (empty when none)."""
    path = Path(settings.MESSAGING_DANGER_WORDS_FILE)
    if not path.exists():
        return []
    pattern = _danger_pattern(str(path), path.stat().st_mtime)
    return sorted({found.lower() for found in pattern.findall(text)}) if pattern else []


def _case_professionals(conversation: Conversation) -> list[User]:
    return list(case_professionals_of(conversation.case))


def concern_raise(message: Message, source: str, reporter: User | None, reason: str) -> Concern:
    """Record a concern about a message and tell the case professionals (in the caller's transaction)."""
    concern = Concern.objects.create(message=message, source=source, reported_by=reporter, reason=reason)
    notify(
        _case_professionals(message.conversation),
        notice=CONCERN_NOTICE,
        path=f"/berichten/{message.conversation_id}/#bericht-{message.pk}",
    )
    return concern


def message_report(*, actor: User, message: Message, reason: str = "") -> Concern:
    """A member reports a message they can read; the case professional hears of it (without the text)."""
    if not Member.objects.filter(conversation_id=message.conversation_id, user=actor, left_at__isnull=True).exists():
        raise PermissionDenied
    if len(reason) > 1000:
        raise ValidationError({"reason": _("Keep the reason under 1,000 characters.")})
    with transaction.atomic():
        return concern_raise(message, Concern.Source.REPORT, actor, reason.strip())
