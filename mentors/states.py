"""The life of a JIM mentorship, in one table: which move goes from which states to which, and who may make it.
Services apply it (mentors/services.py), selectors ask it who may act; nothing else decides.

nominated → invited → exploratory talk → accepted (or declined, with a reason) → screening → mandate and consent →
agreement → active → professional steps back → completed; and stopped, with a reason, from any open state by any
party. The nominee makes their moves with the invitation link (no account yet); everyone else is logged in.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from youth.parties import Party as Party


class State(models.TextChoices):
    # Labels are read inside sentences ("The mentorship is at this step: …"), so they are lower case.
    NOMINATED = "nominated", _("nominated")
    INVITED = "invited", _("invited")
    TALK = "talk", _("exploratory talk")
    ACCEPTED = "accepted", _("the mentor said yes")
    DECLINED = "declined", _("the nominee said no")
    SCREENING = "screening", _("screening")
    MANDATE = "mandate", _("mandate and consent")
    AGREEMENT = "agreement", _("making the agreements")
    ACTIVE = "active", _("running")
    STEPPED_BACK = "stepped_back", _("running, the professional stepped back")
    COMPLETED = "completed", _("completed")
    STOPPED = "stopped", _("stopped")


FINISHED_STATES: frozenset[str] = frozenset({State.DECLINED, State.COMPLETED, State.STOPPED})
OPEN_STATES: tuple[str, ...] = tuple(state for state in State.values if state not in FINISHED_STATES)
# While the nominee has not answered, the young person's choice of candidates stays as it is (youth.network.services).
NOMINATION_STATES: frozenset[str] = frozenset({State.NOMINATED, State.INVITED, State.TALK})
# The agreement is written, agreed and changed in these states; check-ins and ratings happen while running.
AGREEMENT_STATES: frozenset[str] = frozenset({State.AGREEMENT, State.ACTIVE, State.STEPPED_BACK})
RUNNING_STATES: frozenset[str] = frozenset({State.ACTIVE, State.STEPPED_BACK})


# The one vocabulary of parts (youth/parties.py derives who holds which); a mentorship admits these.
MENTORSHIP_PARTIES: frozenset[Party] = frozenset(
    {Party.YOUNG_PERSON, Party.PARENT, Party.NOMINEE, Party.MENTOR, Party.PROFESSIONAL, Party.COORDINATOR}
)


class Via(StrEnum):
    """Where a move is made: the page's step buttons, or the form that collects what the move needs."""

    STEP = "step"  # a button, with a reason where the move needs one
    INVITE = "invite"  # the invitation form (contact details, SMS and/or email)
    LINK = "link"  # the nominee's invitation page
    MANDATE = "mandate"  # the mandate form of a parent or the young person
    CLOSURE = "closure"  # the closure form with the outcome


@dataclass(frozen=True)
class Move:
    name: str
    label: Promise
    sources: frozenset[str]
    # None: the mentorship stays in its state (a new invitation link).
    target: str | None
    parties: frozenset[Party]
    via: Via = Via.STEP
    needs_reason: bool = False


ALL_PARTIES = MENTORSHIP_PARTIES - {Party.NOMINEE}

MOVES: dict[str, Move] = {
    move.name: move
    for move in (
        Move(
            "invite",
            _("invite the nominee"),
            frozenset({State.NOMINATED}),
            State.INVITED,
            frozenset({Party.PROFESSIONAL}),
            via=Via.INVITE,
        ),
        Move(
            "invite_again",
            _("send a new invitation link"),
            frozenset({State.INVITED, State.TALK}),
            None,
            frozenset({Party.PROFESSIONAL}),
            via=Via.INVITE,
        ),
        Move(
            "talk",
            _("talk with the nominee first"),
            frozenset({State.INVITED}),
            State.TALK,
            frozenset({Party.PROFESSIONAL}),
        ),
        Move(
            "ask_call",
            _("ask for a call first"),
            frozenset({State.INVITED, State.TALK}),
            State.TALK,
            frozenset({Party.NOMINEE}),
            via=Via.LINK,
        ),
        Move(
            "accept",
            _("say yes"),
            frozenset({State.INVITED, State.TALK}),
            State.ACCEPTED,
            frozenset({Party.NOMINEE}),
            via=Via.LINK,
        ),
        Move(
            "decline",
            _("record that the nominee says no"),
            frozenset({State.INVITED, State.TALK}),
            State.DECLINED,
            # The professional records a no that was said on the phone; the nominee says it on the invitation page.
            frozenset({Party.NOMINEE, Party.PROFESSIONAL}),
            needs_reason=True,
        ),
        Move(
            "start_screening",
            _("start the screening"),
            frozenset({State.ACCEPTED}),
            State.SCREENING,
            frozenset({Party.PROFESSIONAL}),
        ),
        Move(
            "screening_done",
            _("finish the screening and ask for the mandate"),
            frozenset({State.SCREENING}),
            State.MANDATE,
            frozenset({Party.PROFESSIONAL}),
        ),
        Move(
            "give_mandate",
            _("give your answer"),
            frozenset({State.MANDATE}),
            # Reached with the last yes that the consent rule asks for.
            State.AGREEMENT,
            frozenset({Party.PARENT, Party.YOUNG_PERSON}),
            via=Via.MANDATE,
        ),
        Move(
            "activate",
            _("start the mentorship"),
            frozenset({State.AGREEMENT}),
            State.ACTIVE,
            frozenset({Party.PROFESSIONAL}),
        ),
        Move(
            "step_back",
            _("step back as professional"),
            frozenset({State.ACTIVE}),
            State.STEPPED_BACK,
            frozenset({Party.PROFESSIONAL}),
        ),
        Move(
            "complete",
            _("complete the mentorship"),
            frozenset(RUNNING_STATES),
            State.COMPLETED,
            frozenset({Party.PROFESSIONAL}),
            via=Via.CLOSURE,
            needs_reason=True,
        ),
        Move(
            "stop",
            _("stop the mentorship"),
            frozenset(OPEN_STATES),
            State.STOPPED,
            # Anyone involved can stop at any time; nobody has to stay in a mentorship they no longer want.
            ALL_PARTIES,
            needs_reason=True,
        ),
    )
}


def moves_from(state: str) -> list[Move]:
    """The moves that can be made from a state, in the order of the table."""
    return [move for move in MOVES.values() if state in move.sources]
