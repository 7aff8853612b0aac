"""The life of a referral (verbinding), in one table: which move goes from which state to which. Services apply
it (community/brokers/services.py); pages ask it which moves to offer; nothing else decides.

proposed → agreed with the family (or the family said no) → first contact made → after 4 weeks: taking part,
not taking part or stopped → after 3 months: still taking part (the loop is closed), not taking part or stopped.
Only the linked social broker makes the moves; the family and the professional read along.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    # Read inside a sentence ("Status: …"), so lower case.
    PROPOSED = "proposed", _("proposed to the family")
    DECLINED = "declined", _("the family did not want it")
    AGREED = "agreed", _("agreed with the family")
    CONTACTED = "contacted", _("first contact made")
    TAKING_PART = "taking_part", _("taking part after 4 weeks")
    CONNECTED = "connected", _("still taking part after 3 months")
    NOT_TAKING_PART = "not_taking_part", _("not taking part")
    STOPPED = "stopped", _("stopped")


FINISHED_STATES: frozenset[str] = frozenset({State.DECLINED, State.CONNECTED, State.NOT_TAKING_PART, State.STOPPED})


class Answer(models.TextChoices):
    YES = "yes", _("yes, taking part")
    NO = "no", _("no, not taking part")
    STOPPED = "stopped", _("stopped")


@dataclass(frozen=True)
class Move:
    name: str
    label: Promise
    sources: frozenset[str]
    # The target state per answer of a follow-up; a move without answers has one target under "".
    targets: dict[str, str]
    needs_date: bool = False
    # Whether a reason is needed for this answer.
    reason_for: frozenset[str] = frozenset()


MOVES: dict[str, Move] = {
    move.name: move
    for move in (
        Move("agree", _("The family agrees"), frozenset({State.PROPOSED}), {"": State.AGREED}, needs_date=True),
        Move(
            "decline",
            _("The family does not want it"),
            frozenset({State.PROPOSED}),
            {"": State.DECLINED},
            reason_for=frozenset({""}),
        ),
        Move("contact", _("First contact made"), frozenset({State.AGREED}), {"": State.CONTACTED}, needs_date=True),
        Move(
            "follow_up_4_weeks",
            _("Follow-up after 4 weeks"),
            frozenset({State.CONTACTED}),
            {Answer.YES: State.TAKING_PART, Answer.NO: State.NOT_TAKING_PART, Answer.STOPPED: State.STOPPED},
            reason_for=frozenset({Answer.NO, Answer.STOPPED}),
        ),
        Move(
            "follow_up_3_months",
            _("Follow-up after 3 months"),
            frozenset({State.TAKING_PART}),
            {Answer.YES: State.CONNECTED, Answer.NO: State.NOT_TAKING_PART, Answer.STOPPED: State.STOPPED},
            reason_for=frozenset({Answer.NO, Answer.STOPPED}),
        ),
    )
}


def moves_from(state: str) -> list[Move]:
    """The moves that can be made from `state`, in the order of the table."""
    return [move for move in MOVES.values() if state in move.sources]
