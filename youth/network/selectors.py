"""Reads of a young person's network map: the people in it, the choice of a mentor, searches and buddy requests.

Who sees and who changes a network map:
- the young person themself sees it, and changes it (people and choice) from the age of 12: the age from which
  the consent rule (`youth.selectors.consent_parties_required`) lets them say yes themselves. A younger child
  maps the network together with the professional, who writes it down; the child sees the result;
- the professionals assigned to a case of the young person and the coordinators of that case's organisation see
  and change it, and only they record a search of the network or ask for a buddy;
- parents and guardians with custody see it but do not change it: it is the young person's choice, and the
  parents come in later, when they give the mandate for a mentor;
- everyone else (a professional of another organisation, another young person, mentors, volunteers, analysts,
  administrators) sees nothing: 404, the same answer as "does not exist".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from accounts.selectors import AnyUser
from core.selectors import object_get_for
from youth.ages import CONSENT_OWN_AGE, born_by
from youth.models import BuddyRequest, MentorChoice, NetworkPerson, NetworkSearch, YoungPerson
from youth.selectors import (
    consent_parties_required,
    youngperson_get_for,
    youngperson_visible_to,
    youngperson_writable_by,
)


def youngperson_network_writable_by(user: AnyUser, *, today: date | None = None) -> QuerySet[YoungPerson]:
    """Young people whose network map the user may change: as professional or coordinator on a case, or their own
    map from the age at which they consent themselves (CONSENT_OWN_AGE, 12)."""
    if not user.is_authenticated:
        return YoungPerson.objects.none()
    oldest_birthday = born_by(CONSENT_OWN_AGE, today)
    return YoungPerson.objects.filter(
        Q(pk__in=youngperson_writable_by(user).values("pk")) | Q(user=user, date_of_birth__lte=oldest_birthday)
    )


def network_may_change_own(young_person: YoungPerson, *, on: date | None = None) -> bool:
    """Whether the young person changes their own map: when the consent rule asks their own yes (12 and older)."""
    return consent_parties_required(young_person=young_person, on=on).young_person


def networkperson_visible_to(user: AnyUser) -> QuerySet[NetworkPerson]:
    """People in the networks of the young people the user may see (see the module docstring)."""
    return NetworkPerson.objects.filter(young_person__in=youngperson_visible_to(user))


def networkperson_writable_by(user: AnyUser) -> QuerySet[NetworkPerson]:
    """People in the networks the user may change."""
    return NetworkPerson.objects.filter(young_person__in=youngperson_network_writable_by(user))


def networkperson_get_for(user: AnyUser, pk: int, write: bool = False) -> NetworkPerson:
    """One person in a network: 404 when invisible to the user, 403 when visible and `write` is not allowed."""
    visible = networkperson_visible_to(user).select_related("young_person")
    return object_get_for(visible, networkperson_writable_by(user), pk, write=write)


def network_youngperson_get_for(user: AnyUser, pk: int, write: bool = False) -> YoungPerson:
    """The young person whose map is asked for: 404 when invisible, 403 when `write` is asked and not allowed."""
    young_person = youngperson_get_for(user, pk)
    if write and not youngperson_network_writable_by(user).filter(pk=pk).exists():
        raise PermissionDenied
    return young_person


def network_search_allowed(user: AnyUser, young_person: YoungPerson) -> bool:
    """Whether the user may record a search of this network and ask for a buddy: a professional or coordinator
    on the young person's case (not the young person or a parent)."""
    return youngperson_writable_by(user).filter(pk=young_person.pk).exists()


@dataclass(frozen=True)
class Ring:
    closeness: int
    label: str
    people: list[NetworkPerson]


@dataclass(frozen=True)
class PlacedPerson:
    """A person's dot in the picture: centre of the dot and where the name goes (viewBox units)."""

    person: NetworkPerson
    x: float
    y: float
    label_y: float


@dataclass(frozen=True)
class NetworkMap:
    young_person: YoungPerson
    rings: list[Ring]
    choices: list[MentorChoice]
    searches: list[NetworkSearch]
    waiting_buddy_request: BuddyRequest | None
    placed: list[PlacedPerson] = field(default_factory=list)

    @property
    def people(self) -> list[NetworkPerson]:
        return [person for ring in self.rings for person in ring.people]

    @property
    def trusted(self) -> list[NetworkPerson]:
        return [person for person in self.people if person.trusted]

    @property
    def is_empty(self) -> bool:
        return not self.people


# The picture: a square viewBox with the young person in the middle and one ring per closeness.
MAP_SIZE = 400
RING_RADII = {1: 70, 2: 125, 3: 180}


def _place(rings: list[Ring]) -> list[PlacedPerson]:
    centre = MAP_SIZE / 2
    placed = []
    for ring in rings:
        count = len(ring.people)
        radius = RING_RADII[ring.closeness]
        # Each ring starts at a different angle so that names on neighbouring rings do not line up.
        start = -math.pi / 2 + ring.closeness * 0.6
        for index, person in enumerate(ring.people):
            angle = start + 2 * math.pi * index / max(count, 1)
            x = centre + radius * math.cos(angle)
            y = centre + radius * math.sin(angle)
            placed.append(PlacedPerson(person, round(x, 1), round(y, 1), round(y + 26, 1)))
    return placed


def network_map_for(young_person: YoungPerson) -> NetworkMap:
    """One young person's map grouped by ring (closest first), with the choice of a mentor in order, the recorded
    searches and a waiting buddy request: four queries, whatever the number of people. Call it only with a young
    person obtained through a `_get_for` selector."""
    people = list(
        NetworkPerson.objects.filter(young_person=young_person)
        .select_related("mentor_choice")
        .order_by("closeness", "first_name", "pk")
    )
    rings = [
        Ring(closeness, str(label), [p for p in people if p.closeness == closeness])
        for closeness, label in NetworkPerson.Closeness.choices
    ]
    choices = sorted((p.mentor_choice for p in people if _has_choice(p)), key=lambda c: c.rank)
    searches = list(NetworkSearch.objects.filter(young_person=young_person).select_related("recorded_by"))
    waiting = BuddyRequest.objects.filter(young_person=young_person, status=BuddyRequest.Status.WAITING).first()
    return NetworkMap(young_person, rings, choices, searches, waiting, _place(rings))


def _has_choice(person: NetworkPerson) -> bool:
    try:
        person.mentor_choice  # noqa: B018 - the reverse one-to-one raises when there is none
    except MentorChoice.DoesNotExist:
        return False
    return True
