"""Writes to a young person's network map: people in it, the ordered choice of up to three candidates for a JIM,
a professional's record of a network search, and a request for a volunteer buddy when nobody can be a mentor.

Who may call what is decided by `youth.network.selectors` (see its docstring); every service checks it again so
that a caller that forgot the selector still cannot write. Messages are read by young people: short and plain.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.ids import id_in_range
from youth.consent import KEEPING, consent_require
from youth.models import BuddyRequest, MentorChoice, NetworkPerson, NetworkSearch, YoungPerson
from youth.network.selectors import network_search_allowed, youngperson_network_writable_by
from youth.selectors import case_writable_by

MAX_CHOICES = 3

# A nomination of one of the chosen candidates is kept by mentors, which builds on youth: mentors registers, when it
# loads (its AppConfig.ready), how to ask whether one waits for the nominee's answer; youth names no feature.
NominationOpen = Callable[[YoungPerson], bool]
_nomination_checks: dict[str, NominationOpen] = {}


def nomination_open_register(feature: str, is_open: NominationOpen) -> None:
    """Register how `feature` tells whether a nomination from the young person's choice waits for an answer. Asked
    under the young person's row lock, which the feature's nominating service takes too."""
    _nomination_checks[feature] = is_open


def _ensure_may_change(actor: User, young_person: YoungPerson) -> None:
    if not youngperson_network_writable_by(actor).filter(pk=young_person.pk).exists():
        raise ValidationError(_("You cannot change this network."))


def _lock(young_person: YoungPerson) -> YoungPerson:
    """Take the young person's row lock: every write that reads the choice of a mentor queues behind it."""
    return YoungPerson.objects.select_for_update().get(pk=young_person.pk)


def _refuse_while_nominating(young_person: YoungPerson) -> None:
    """While a nomination waits for the nominee's answer, the choice it came from stays as it is. Called under the
    young person's row lock, which mentors.services.mentorship_nominate takes too."""
    if any(is_open(young_person) for is_open in _nomination_checks.values()):
        raise ValidationError(
            _("Someone you chose is being asked to be your mentor now. You can change your choice after their answer.")
        )


def _clean(person: NetworkPerson) -> None:
    person.first_name = person.first_name.strip()
    person.relation_description = person.relation_description.strip()
    person.note = person.note.strip()
    person.full_clean(exclude=["young_person", "added_by"])


def _refuse_without_keeping(young_person: YoungPerson) -> None:
    # Without the consent to keep data, only what the professional needs is kept: no network (youth/consent.py).
    consent_require(young_person, purposes=[KEEPING])


def networkperson_add(
    *,
    actor: User,
    young_person: YoungPerson,
    first_name: str,
    relation: str,
    closeness: int,
    trusted: bool,
    relation_description: str = "",
    note: str = "",
) -> NetworkPerson:
    """Add someone to the young person's network. Nothing can race here: a new person is in nobody's choice."""
    _ensure_may_change(actor, young_person)
    _refuse_without_keeping(young_person)
    person = NetworkPerson(
        young_person=young_person,
        first_name=first_name,
        relation=relation,
        relation_description=relation_description,
        closeness=closeness,
        trusted=trusted,
        note=note,
        added_by=actor,
    )
    _clean(person)
    person.save()
    return person


def networkperson_change(
    *,
    actor: User,
    person: NetworkPerson,
    first_name: str,
    relation: str,
    closeness: int,
    trusted: bool,
    relation_description: str = "",
    note: str = "",
) -> NetworkPerson:
    """Change what is known about someone in the network.

    A person who is one of the chosen candidates cannot be marked "not trusted": the choice must be changed
    first. The young person's row lock keeps a choice made at the same moment from slipping in between the
    check and the save.
    """
    _ensure_may_change(actor, person.young_person)
    _refuse_without_keeping(person.young_person)
    with transaction.atomic():
        _lock(person.young_person)
        current = NetworkPerson.objects.get(pk=person.pk)
        if not trusted and MentorChoice.objects.filter(person=current).exists():
            raise ValidationError(
                {
                    "trusted": _("%(name)s is one of the people you chose. Take %(name)s off your choice first.")
                    % {"name": current.first_name}
                }
            )
        current.first_name = first_name
        current.relation = relation
        current.relation_description = relation_description
        current.closeness = closeness
        current.trusted = trusted
        current.note = note
        _clean(current)
        current.save()
    return current


def networkperson_remove(*, actor: User, person: NetworkPerson) -> None:
    """Remove someone from the network. If they were chosen, their place goes too and later choices move up
    (2nd becomes 1st). Under the young person's row lock, so a choice made at the same moment cannot leave a gap
    or two choices on one rank."""
    _ensure_may_change(actor, person.young_person)
    with transaction.atomic():
        young_person = _lock(person.young_person)
        if MentorChoice.objects.filter(person_id=person.pk).exists():
            _refuse_while_nominating(young_person)
        NetworkPerson.objects.filter(pk=person.pk).delete()
        # Renumber from the lowest rank up, one row at a time, so the unique rank is never broken in between.
        for rank, choice in enumerate(MentorChoice.objects.filter(young_person=young_person).order_by("rank"), 1):
            if choice.rank != rank:
                choice.rank = rank
                choice.save(update_fields=["rank"])


def mentorchoice_set(*, actor: User, young_person: YoungPerson, person_ids: Sequence[int]) -> list[MentorChoice]:
    """Replace the young person's whole choice of candidates for a JIM with `person_ids`, first choice first.

    Up to three, each from the young person's own network, each once, and each someone they trust. An empty list
    clears the choice. Two people saving at the same time are put in a queue by the young person's row lock (the
    second sees the first's choice and replaces it whole); the constraints on rank and person are the backstop.
    """
    _ensure_may_change(actor, young_person)
    _refuse_without_keeping(young_person)
    ids = list(person_ids)
    if len(ids) > MAX_CHOICES:
        raise ValidationError(_("You can choose at most three people."))
    if len(set(ids)) != len(ids):
        raise ValidationError(_("You chose the same person twice. Choose each person only once."))
    # A forged id beyond the database's range is simply not in the network (and must not reach the `__in` query).
    if not all(id_in_range(pk) for pk in ids):
        raise ValidationError(_("You can only choose people from your own network."))
    with transaction.atomic():
        young_person = _lock(young_person)
        _refuse_while_nominating(young_person)
        people = {p.pk: p for p in NetworkPerson.objects.filter(young_person=young_person, pk__in=ids)}
        if len(people) != len(ids):
            raise ValidationError(_("You can only choose people from your own network."))
        not_trusted = [people[pk].first_name for pk in ids if not people[pk].trusted]
        if not_trusted:
            raise ValidationError(
                _("You can only choose people you trust. You do not trust %(names)s (yet).")
                % {"names": ", ".join(not_trusted)}
            )
        MentorChoice.objects.filter(young_person=young_person).delete()
        try:
            with transaction.atomic():
                return MentorChoice.objects.bulk_create(
                    MentorChoice(young_person=young_person, person=people[pk], rank=rank, chosen_by=actor)
                    for rank, pk in enumerate(ids, 1)
                )
        except IntegrityError:
            raise ValidationError(_("Someone else changed the choice at the same moment. Please try again.")) from None


def networksearch_record(
    *,
    actor: User,
    young_person: YoungPerson,
    searched_on: date,
    with_whom: str,
    outcome: str,
    ask_for_buddy: bool = False,
) -> NetworkSearch:
    """Record that the professional searched the network with the young person; with `ask_for_buddy`, also ask
    for a volunteer buddy in the same transaction (so a refused request records no search either)."""
    if not network_search_allowed(actor, young_person):
        raise ValidationError(_("Only the professional of the case can record a search of the network."))
    _refuse_without_keeping(young_person)
    if searched_on > timezone.localdate():
        raise ValidationError({"searched_on": _("The date cannot be in the future.")})
    search = NetworkSearch(
        young_person=young_person,
        searched_on=searched_on,
        with_whom=with_whom.strip(),
        outcome=outcome.strip(),
        recorded_by=actor,
    )
    search.full_clean(exclude=["young_person", "recorded_by"])
    with transaction.atomic():
        search.save()
        if ask_for_buddy:
            buddyrequest_create(actor=actor, search=search)
    return search


def buddyrequest_create(*, actor: User, search: NetworkSearch) -> BuddyRequest:
    """Ask for a volunteer buddy after a search of the network; it waits for matching.

    Own network first: refused while the young person has chosen candidates. At most one request waits per young
    person: the young person's row lock queues two professionals asking at once, and the partial unique
    constraint on waiting requests is the backstop.
    """
    young_person = search.young_person
    if not network_search_allowed(actor, young_person):
        raise ValidationError(_("Only the professional of the case can ask for a buddy."))
    case = (
        case_writable_by(actor)
        .filter(young_person=young_person, closed_on__isnull=True)
        .order_by("opened_on", "pk")
        .first()
    )
    if case is None:
        raise ValidationError(_("There is no open case for this young person. A buddy can only be asked with one."))
    with transaction.atomic():
        _lock(young_person)
        if MentorChoice.objects.filter(young_person=young_person).exists():
            raise ValidationError(
                _("%(name)s chose people from their own network. Ask for a buddy only when nobody can be a mentor.")
                % {"name": young_person.first_name}
            )
        if BuddyRequest.objects.filter(young_person=young_person, status=BuddyRequest.Status.WAITING).exists():
            raise ValidationError(_("A buddy has already been asked for. The request is waiting for matching."))
        try:
            with transaction.atomic():
                return BuddyRequest.objects.create(
                    young_person=young_person, case=case, search=search, requested_by=actor
                )
        except IntegrityError:
            raise ValidationError(
                _("A buddy has already been asked for. The request is waiting for matching.")
            ) from None


def buddyrequest_matched(*, buddy_request: BuddyRequest) -> BuddyRequest:
    """A buddy was found and approved (matching.services.proposal_approve, which checks who may approve): the
    request is matched and no longer waits. Refused when it is not waiting (withdrawn, or matched already).
    Races: the request's row is locked (select_for_update) and its status read again."""
    with transaction.atomic():
        locked = BuddyRequest.objects.select_for_update().get(pk=buddy_request.pk)
        if locked.status != BuddyRequest.Status.WAITING:
            raise ValidationError(_("This young person is not waiting for a buddy now."))
        locked.status = BuddyRequest.Status.MATCHED
        locked.status_changed_at = timezone.now()
        locked.save(update_fields=["status", "status_changed_at"])
    buddy_request.status, buddy_request.status_changed_at = locked.status, locked.status_changed_at
    return buddy_request
