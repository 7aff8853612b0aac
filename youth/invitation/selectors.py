"""Reads about a young person's own account: who may invite them, what the young person's page says about the
accounts of the young person and the parents, and what an invitation link leads to.

From 12 a young person may have an account of their own: the age from which they say yes themselves
(`youth.selectors.consent_deciders`, Dutch law). Under 12 the parents with custody decide, so the child gets no
account and nobody can invite them.

Who may invite (youth.parties):
- the professional of an open case of the young person (assigned, and a professional in the case's organisation):
  they know the young person and their number;
- a parent with custody, from the young person's 12th birthday (under 12 there is nothing to invite to);
- not a coordinator who does not work on the case (as for recording a consent: the one who knows the young person
  sends the link), not a parent without custody, not a mentor or anyone else.
The young person's page itself is read through `youth.selectors.youngperson_get_for`; the link's page has no login
and reads only through the token (`youngpersoninvitation_lookup`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from accounts.models import User
from accounts.selectors import AnyUser
from core.links import link_status, token_hash, token_plausible
from youth.ages import ACCOUNT_AGE, age_on
from youth.models import YoungPerson, YoungPersonInvitation
from youth.parties import is_custodial_parent, parents_of
from youth.selectors import is_professional_of_open_case


def account_age_reached(young_person: YoungPerson, *, on: date | None = None) -> bool:
    """Whether the young person may have their own account: from the age at which they say yes themselves
    (ACCOUNT_AGE, 12)."""
    return age_on(young_person.date_of_birth, on or timezone.localdate()) >= ACCOUNT_AGE


def is_inviter(user: AnyUser, young_person: YoungPerson, *, on: date | None = None) -> bool:
    """Whether the user takes a part that sends the young person their link: the professional of an open case, or a
    parent with custody once the young person is 12 (the age rule is asked of everyone by the service; a parent
    of a younger child is no inviter at all). Two queries at most."""
    if is_professional_of_open_case(user, young_person):
        return True
    return account_age_reached(young_person, on=on) and is_custodial_parent(user, young_person.pk)


def youngperson_invitable_by(user: AnyUser, young_person: YoungPerson, *, on: date | None = None) -> bool:
    """Whether the user may send the young person a link now: an inviter, the young person 12 or older and without
    an account."""
    return (
        young_person.user_id is None
        and account_age_reached(young_person, on=on)
        and is_inviter(user, young_person, on=on)
    )


def invitation_open_of(young_person: YoungPerson) -> YoungPersonInvitation | None:
    """The link that is neither used nor replaced (it may have expired), or None. One query."""
    return young_person.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).first()


@dataclass(frozen=True)
class ParentAccount:
    user: User
    has_custody: bool

    @property
    def logged_in(self) -> bool:
        """A parent's account is made when the professional links them; it is theirs once they logged in."""
        return self.user.last_login is not None


@dataclass(frozen=True)
class AccountOverview:
    """What the young person's page says about accounts: the young person's own (an account, a link sent and until
    when it works, or nothing yet) and each parent's."""

    has_account: bool
    old_enough: bool
    invitation: YoungPersonInvitation | None = None
    parents: list[ParentAccount] = field(default_factory=list)

    @property
    def invitation_expired(self) -> bool:
        return self.invitation is not None and self.invitation.expires_at <= timezone.now()


def account_overview(young_person: YoungPerson) -> AccountOverview:
    """The accounts of the young person and of their parents (with and without custody, as youth.parties says), for
    the young person's page. Three queries."""
    this_one = YoungPerson.objects.filter(pk=young_person.pk).values("pk")
    parents = [ParentAccount(user, True) for user in parents_of(this_one).order_by("first_name", "pk")]
    parents += [ParentAccount(user, False) for user in parents_of(this_one, custody=False).order_by("first_name", "pk")]
    has_account = young_person.user_id is not None
    return AccountOverview(
        has_account=has_account,
        old_enough=account_age_reached(young_person),
        invitation=None if has_account else invitation_open_of(young_person),
        parents=parents,
    )


@dataclass(frozen=True)
class InvitationLookup:
    """What a link leads to. `status`: "valid"; "unknown" (no such link); "used" (the account was made with it);
    "has_account" (the young person has an account already, made another way); "too_young" (the young person
    turned out to be under 12, e.g. a corrected date of birth); "replaced" (a newer link was sent); "expired"."""

    status: str
    invitation: YoungPersonInvitation | None = None

    @property
    def valid(self) -> bool:
        return self.status == "valid"


def youngpersoninvitation_lookup(token: str) -> InvitationLookup:
    """The invitation a link's token opens, and whether it can still be used. One query. Not a lock: the service
    decides again under the young person's row lock."""
    if not token_plausible(token):
        return InvitationLookup("unknown")
    invitation = (
        YoungPersonInvitation.objects.select_related("young_person", "sent_by")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None:
        return InvitationLookup("unknown")
    return InvitationLookup(invitation_status(invitation), invitation)


def invitation_status(invitation: YoungPersonInvitation) -> str:
    """The status of a stored link (see `InvitationLookup`), in the order a visitor needs to hear it: a used link
    says so; a young person with an account or under 12 needs no new link; then replaced or expired."""
    status = link_status(used_at=invitation.used_at, revoked_at=invitation.revoked_at, expires_at=invitation.expires_at)
    if status == "used":
        return status
    if invitation.young_person.user_id is not None:
        return "has_account"
    if not account_age_reached(invitation.young_person):
        return "too_young"
    return status
