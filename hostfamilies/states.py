"""The life of a support-family match, in one table: which move goes from which states to which, and who may
make it. Services apply it (hostfamilies/services.py), selectors ask it who may act; nothing else decides.

proposed → introduction → both_yes → approved → trial → active → ended, and stopped from any open state.
During the introduction the coordinator records three visits (`Visit`): a visit to each family and the meeting of
the two families. Then both families record their own yes; the match reaches both_yes with the second yes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from youth.parties import Party as Party


class State(models.TextChoices):
    # Labels are read inside sentences ("The match is at this step: …"), so they are lower case.
    PROPOSED = "proposed", _("proposed by the coordinator")
    INTRODUCTION = "introduction", _("introduction visits")
    BOTH_YES = "both_yes", _("both families said yes")
    APPROVED = "approved", _("approved")
    TRIAL = "trial", _("trial period")
    ACTIVE = "active", _("running")
    ENDED = "ended", _("ended")
    STOPPED = "stopped", _("stopped")


FINISHED_STATES: frozenset[str] = frozenset({State.ENDED, State.STOPPED})
# A match in one of these states takes one of the volunteer's places and keeps its request matched.
OPEN_STATES: tuple[str, ...] = tuple(state for state in State.values if state not in FINISHED_STATES)


# The one vocabulary of parts (youth/parties.py derives who holds which); a match admits these: the coordinators
# of the request's organisation, the professional of the request's case, the parents with custody of the case's
# young person, and the support family (the volunteer of the match).
MATCH_PARTIES: frozenset[Party] = frozenset({Party.COORDINATOR, Party.PROFESSIONAL, Party.PARENT, Party.SUPPORT_FAMILY})
# A support request is the match without the support family: all of them may correct or withdraw it.
REQUEST_PARTIES: frozenset[Party] = MATCH_PARTIES - {Party.SUPPORT_FAMILY}


class Visit(models.TextChoices):
    """The introduction visits (kennismaking) a coordinator records before the families say yes. Labels are read
    as headings and field labels, so they start with a capital."""

    FAMILY = "family", _("Visit to the family")
    HOST = "host", _("Visit to the support family")
    MEETING = "meeting", _("Meeting of the two families")


# Who records the introduction visits: the coordinator visits both families and brings them together.
VISIT_RECORDERS: frozenset[Party] = frozenset({Party.COORDINATOR})


class Yes(StrEnum):
    FAMILY = "family"
    HOST = "host"


@dataclass(frozen=True)
class Move:
    name: str
    label: Promise
    sources: frozenset[str]
    target: str
    parties: frozenset[Party]
    needs_reason: bool = False
    needs_outcome: bool = False
    # A yes is recorded in `sources` and the match only reaches `target` once the other family's yes is in too.
    records_yes: Yes | None = None


ALL_PARTIES = MATCH_PARTIES

MOVES: dict[str, Move] = {
    move.name: move
    for move in (
        Move(
            "introduce",
            _("start the introduction visits"),
            frozenset({State.PROPOSED}),
            State.INTRODUCTION,
            frozenset({Party.COORDINATOR}),
        ),
        Move(
            "family_yes",
            _("the family says yes"),
            frozenset({State.INTRODUCTION}),
            State.BOTH_YES,
            # The professional may record it on the family's behalf, e.g. after a talk at home.
            frozenset({Party.PARENT, Party.PROFESSIONAL}),
            records_yes=Yes.FAMILY,
        ),
        Move(
            "host_yes",
            _("the support family says yes"),
            frozenset({State.INTRODUCTION}),
            State.BOTH_YES,
            frozenset({Party.SUPPORT_FAMILY}),
            records_yes=Yes.HOST,
        ),
        Move(
            "approve",
            _("approve the match"),
            frozenset({State.BOTH_YES}),
            State.APPROVED,
            frozenset({Party.COORDINATOR, Party.PROFESSIONAL}),
        ),
        Move(
            "start_trial",
            _("start the trial period"),
            frozenset({State.APPROVED}),
            State.TRIAL,
            frozenset({Party.COORDINATOR}),
        ),
        Move(
            "activate",
            _("continue the match after the trial period"),
            frozenset({State.TRIAL}),
            State.ACTIVE,
            frozenset({Party.COORDINATOR}),
        ),
        Move(
            "end",
            _("end the match"),
            frozenset({State.ACTIVE}),
            State.ENDED,
            frozenset({Party.COORDINATOR}),
            needs_reason=True,
            needs_outcome=True,
        ),
        Move(
            "stop",
            _("stop the match"),
            frozenset(OPEN_STATES),
            State.STOPPED,
            # Anyone involved can stop at any time; nobody has to stay in a match they no longer want.
            ALL_PARTIES,
            needs_reason=True,
        ),
    )
}


def moves_from(state: str) -> list[Move]:
    """The moves that can be made from a state, in the order of the table."""
    return [move for move in MOVES.values() if state in move.sources]
