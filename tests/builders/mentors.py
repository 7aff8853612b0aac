"""Builders for mentorships (mentors): the texts of a JIM agreement, the SMS transport that records, walking a
mentorship to any state (`mentorship_at`), and a cast in another organisation (`foreign_cast`).

Moved here from test modules so that no test imports another (issue #24); behaviour unchanged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.utils import timezone

from accounts.models import Role, User
from agreements.models import AgreementVersion
from mentors import services
from mentors.models import Mandate, Mentorship
from mentors.states import State
from tests.conftest import World
from tests.factories import add_guardian, give_all_consents, user_with_role
from youth.models import MentorChoice, NetworkPerson, YoungPerson
from youth.network.services import mentorchoice_set

TODAY = timezone.localdate()


JIM_TEXTS = {
    "pass_on_parents": "Alleen hoe het in grote lijnen gaat.",
    "pass_on_professional": "Zorgen over school en thuis.",
    "meetings": "Eens per twee weken, op woensdag.",
    "reach_professional": "Lisa: 071-5550199, op werkdagen.",
}


class RecordingTransport:
    """The SMS transport in tests: records what would be sent (only the transport is faked)."""

    sent: ClassVar[list[tuple[str, str]]] = []

    def send(self, *, to: str, body: str, status_callback: str = "") -> str:
        self.sent.append((to, body))
        return f"SM{len(self.sent)}"


def choose(
    world: World, young_person: YoungPerson | None = None, names: tuple[str, ...] = ("Karin", "Joke")
) -> list[NetworkPerson]:
    """People in the young person's network and their ordered choice of candidates (made by the professional)."""
    young_person = young_person or world.young_person
    people = [
        NetworkPerson.objects.create(
            young_person=young_person,
            first_name=name,
            relation=NetworkPerson.Relation.NEIGHBOUR,
            closeness=1,
            trusted=True,
            added_by=world.professional,
        )
        for name in names
    ]
    mentorchoice_set(actor=world.professional, young_person=young_person, person_ids=[p.pk for p in people])
    return people


def nominated(world: World) -> Mentorship:
    if not MentorChoice.objects.filter(young_person=world.young_person).exists():
        choose(world)
    return services.mentorship_nominate(actor=world.professional, young_person=world.young_person)


def invite(world: World, mentorship: Mentorship, **kwargs: Any) -> str:
    """Invite by email to the world's mentor (Karin), so that accepting links her existing account."""
    arguments: dict[str, Any] = {
        "first_name": "Karin",
        "last_name": "Bos",
        "email": world.mentor.email,
        "by_email": True,
    } | kwargs
    _invitation, token = services.mentorship_invite(actor=world.professional, mentorship=mentorship, **arguments)
    return token


def refresh(mentorship: Mentorship) -> Mentorship:
    return Mentorship.objects.select_related("young_person", "case__organisation", "mentor").get(pk=mentorship.pk)


def agree_all(world: World, mentorship: Mentorship, proposer: User | None = None, **texts: str) -> AgreementVersion:
    version = services.mentorship_agreement_propose(
        actor=proposer or world.professional, mentorship=mentorship, sections=JIM_TEXTS | texts
    )
    for signature in version.signatures.select_related("user"):
        assert signature.user is not None
        version = services.mentorship_agreement_agree(actor=signature.user, mentorship=mentorship, version=version)
    assert version.in_force_at is not None
    return version


# The happy path, one step per state reached; each step returns the mentorship as it is then.
def _to_invited(world: World, m: Mentorship) -> Mentorship:
    invite(world, m)
    return refresh(m)


def _to_talk(world: World, m: Mentorship) -> Mentorship:
    return services.mentorship_move(actor=world.professional, mentorship=m, move="talk")


def _to_accepted(world: World, m: Mentorship) -> Mentorship:
    token = invite(world, m)
    services.invitation_accept(token=token, first_name="Karin", last_name="Bos")
    return refresh(m)


def _to_screening(world: World, m: Mentorship) -> Mentorship:
    return services.mentorship_move(actor=world.professional, mentorship=m, move="start_screening")


def _to_mandate(world: World, m: Mentorship) -> Mentorship:
    services.mentorship_screening_record(actor=world.professional, mentorship=m, vog_issued_on=TODAY)
    return services.mentorship_move(actor=world.professional, mentorship=m, move="screening_done")


def _to_agreement(world: World, m: Mentorship) -> Mentorship:
    for user in (world.young_person_user, world.parent):
        services.mandate_give(actor=user, mentorship=m, decision=Mandate.Decision.YES)
    return refresh(m)


def _to_active(world: World, m: Mentorship) -> Mentorship:
    agree_all(world, m)
    return services.mentorship_move(actor=world.professional, mentorship=m, move="activate")


def _to_stepped_back(world: World, m: Mentorship) -> Mentorship:
    return services.mentorship_move(actor=world.professional, mentorship=m, move="step_back")


PATH: list[tuple[str, Callable[[World, Mentorship], Mentorship]]] = [
    (State.INVITED, _to_invited),
    (State.ACCEPTED, _to_accepted),
    (State.SCREENING, _to_screening),
    (State.MANDATE, _to_mandate),
    (State.AGREEMENT, _to_agreement),
    (State.ACTIVE, _to_active),
    (State.STEPPED_BACK, _to_stepped_back),
]


def mentorship_at(world: World, state: str) -> Mentorship:
    """A mentorship of Sanne with Karin, walked along the happy path to `state` (talk: invited, then a talk)."""
    m = nominated(world)
    if state in (State.INVITED, State.TALK):
        m = _to_invited(world, m)
        return m if state == State.INVITED else _to_talk(world, m)
    if state != State.NOMINATED:
        m = _to_accepted(world, m)
        for _reached, step in PATH[2:]:
            if m.state == state:
                break
            m = step(world, m)
    assert m.state == state
    return m


@dataclass
class Cast:
    """The people of one mentorship, named as in World so that the walkers of tests/test_mentors.py take either."""

    young_person: YoungPerson
    young_person_user: User
    parent: User
    professional: User
    mentor: User
    case: Any


def foreign_cast(world: World) -> Cast:
    """Mees (the outsider's young person) with an account, a parent with custody and a mentor of his own."""
    mees = user_with_role(Role.YOUNG_PERSON, first_name="Mees")
    YoungPerson.objects.filter(pk=world.foreign_young_person.pk).update(user=mees)
    world.foreign_young_person.refresh_from_db()
    parent = user_with_role(Role.PARENT, first_name="Ilse")
    add_guardian(world.foreign_young_person, parent)
    give_all_consents(world.foreign_young_person)  # Ilse's yes too: a mentorship runs only with it
    return Cast(
        world.foreign_young_person,
        mees,
        parent,
        world.outsider,
        user_with_role(Role.MENTOR, first_name="Rik"),
        world.foreign_case,
    )
