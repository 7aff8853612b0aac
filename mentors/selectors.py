"""Reads of JIM mentorships. Every access goes through `mentorship_visible_to` / `mentorship_get_for`.

Who sees a mentorship:
- the professionals assigned to its case and the coordinators of the case's organisation (as for the case);
- the young person, and the parents and guardians with custody;
- the mentor, once they said yes (also after the closure, read-only);
- everyone else (a professional of another organisation, another young person, volunteers, analysts,
  administrators): nothing, 404, the same answer as "does not exist".
Everyone who sees an open mentorship may make some move on it (at least stop it, mentors/states.py), so those who
see it may write to it; a finished mentorship is read-only, except for the professional's outcome.
The nominee has no account before they say yes: they see only the invitation page, through its secret link.

Within the mentorship page: the professional's coaching notes are for the case's professionals only (not the
coordinators: they are the professional's own working notes about coaching the mentor); a rating is read by the
case's professionals and by whoever gave it; a parent's written reservations by the professionals, the
coordinators and the parent who wrote them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import AnyUser
from agreements.models import SignatoryParty
from agreements.selectors import AgreementOverview
from core.links import link_status, token_hash, token_plausible
from core.paging import words_in
from core.selectors import object_get_for
from mentors.models import CheckIn, CoachingNote, Invitation, Mandate, Mentorship, Rating
from mentors.states import (
    FINISHED_STATES,
    MENTORSHIP_PARTIES,
    NOMINATION_STATES,
    OPEN_STATES,
    RUNNING_STATES,
    Move,
    Party,
    State,
    Via,
    moves_from,
)
from messaging.models import Conversation
from volunteers.models import ScreeningStep, VolunteerKind
from volunteers.selectors import policy_for, screening_required_for
from youth.ages import age_on, is_adult_on
from youth.models import Case, MentorChoice, YoungPerson
from youth.parties import (
    Support,
    access_basis,
    cases_where,
    lead_professional_ids,
    parties_of,
    parties_seen_as,
    party_users,
)
from youth.selectors import (
    case_writable_by,
    consent_deciders,
    consent_parties_required,
    youngperson_own_or_in_custody,
)

__all__ = [
    "FINISHED_STATES",
    "OPEN_STATES",
    "InvitationLookup",
    "MandateStatus",
    "ScreeningNeeds",
    "Waiting",
    "checkins_due_for",
    "checkins_of",
    "coaching_notes_for",
    "invitation_lookup",
    "mandate_status",
    "mandates_waiting_for",
    "mentorship_access_basis",
    "mentorship_get_for",
    "mentorship_moves_for",
    "mentorship_parties",
    "mentorship_party_users",
    "mentorship_signatories",
    "mentorship_visible_to",
    "mentorship_waiting_for",
    "mentorship_writable_by",
    "nomination_case_for",
    "nomination_choices",
    "nomination_open_for",
    "open_buddy_counts",
    "ratings_for",
    "screening_needed",
    "token_hash",
]


def mentorship_visible_to(user: AnyUser) -> QuerySet[Mentorship]:
    """Mentorships the user takes part in (see the module docstring)."""
    if not user.is_authenticated:
        return Mentorship.objects.none()
    return Mentorship.objects.filter(
        Q(case__in=case_writable_by(user).values("pk"))
        | Q(young_person__in=youngperson_own_or_in_custody(user).values("pk"))
        | Q(mentor=user)
    )


def mentorship_writable_by(user: AnyUser) -> QuerySet[Mentorship]:
    """Mentorships on which the user may make some move: every visible one that is still open."""
    return mentorship_visible_to(user).filter(state__in=OPEN_STATES)


def mentorship_get_for(user: AnyUser, pk: int, write: bool = False) -> Mentorship:
    """One mentorship: 404 when invisible to the user, 403 when `write` is asked and it is finished."""
    visible = mentorship_visible_to(user).select_related(
        "young_person", "case__organisation", "mentor", "nominee", "nominated_by"
    )
    return object_get_for(visible, mentorship_writable_by(user), pk, write=write)


def mentorship_support(mentorship: Mentorship) -> Support:
    """The mentorship as a support on its case (youth.parties): run by the case's organisation, the mentor holds
    it once they said yes."""
    return Support(organisation_id=mentorship.case.organisation_id, holders={Party.MENTOR: mentorship.mentor_id})


def mentorship_parties(user: AnyUser, mentorship: Mentorship) -> set[Party]:
    """Every part through which the user takes part in this mentorship (empty for anyone else), as youth.parties
    derives them. Never the nominee: that party is whoever holds a valid invitation link."""
    return parties_of(
        user,
        mentorship.case,
        mentorship_support(mentorship),
        among=MENTORSHIP_PARTIES,
        young_person=mentorship.young_person,
    )


def mentorship_moves_for(parties: set[Party], mentorship: Mentorship) -> list[Move]:
    """The moves someone taking part through `parties` may make now, made on the mentorship page (step buttons,
    the invitation form, the closure form). The mandate has its own form (`mandate_status`), the nominee's moves
    are on the invitation page."""
    return [
        move
        for move in moves_from(mentorship.state)
        if parties & move.parties and move.via in (Via.STEP, Via.INVITE, Via.CLOSURE)
    ]


def mentorship_party_users(mentorship: Mentorship) -> dict[Party, list[User]]:
    """The active users who take part, per party (the same rules as `mentorship_parties`): for notices and for who
    must agree to the agreements. Five queries; the mentorship must come with `case` and `young_person`."""
    return party_users(
        mentorship.case,
        (Party.PROFESSIONAL, Party.COORDINATOR, Party.PARENT, Party.YOUNG_PERSON, Party.MENTOR),
        mentorship_support(mentorship),
        young_person=mentorship.young_person,
    )


def conversation_members(conversation: Conversation) -> list[tuple[User, str]]:
    """Who takes part in a mentorship's triad (young person, mentor, professionals) and coaching conversation
    (mentor, professionals), as (user, party): registered with messaging in MentorsConfig.ready()."""
    mentorship = Mentorship.objects.select_related("case", "young_person").get(pk=conversation.mentorship_id or 0)
    people = mentorship_party_users(mentorship)
    members: list[tuple[User, str]] = []
    if conversation.kind == Conversation.Kind.TRIAD:
        members += [(user, "young_person") for user in people[Party.YOUNG_PERSON]]
    members += [(user, "mentor") for user in people[Party.MENTOR]]
    members += [(user, "professional") for user in people[Party.PROFESSIONAL]]
    return members


def mentorship_signatories(mentorship: Mentorship, *, on: date | None = None) -> list[tuple[User, str]]:
    """Who must agree to every version of the JIM agreement, as (user, SignatoryParty): the young person (when they
    have an account), the mentor, each parent with custody while the young person is under 18 (custody ends at
    18), and the case lead (or, when the case has no lead, every professional of the case)."""
    people = mentorship_party_users(mentorship)
    signatories: list[tuple[User, str]] = [(user, SignatoryParty.YOUNG_PERSON) for user in people[Party.YOUNG_PERSON]]
    signatories += [(user, SignatoryParty.MENTOR) for user in people[Party.MENTOR]]
    if not is_adult_on(mentorship.young_person.date_of_birth, on or timezone.localdate()):
        signatories += [(user, SignatoryParty.PARENT) for user in people[Party.PARENT]]
    leads = lead_professional_ids(mentorship.case)
    professionals = [user for user in people[Party.PROFESSIONAL] if user.pk in leads] or people[Party.PROFESSIONAL]
    signatories += [(user, SignatoryParty.PROFESSIONAL) for user in professionals]
    return signatories


def mentorship_access_basis(user: User, mentorship: Mentorship) -> tuple[str, str]:
    """The role and organisation through which the user sees the mentorship's young person, for the access log.
    No queries beyond the user's roles (read once per request), so a list logs at a constant cost; the mentorship
    comes with `case__organisation` and `young_person`."""
    parts = parties_seen_as(user, mentorship.case, mentorship_support(mentorship), young_person=mentorship.young_person)
    return access_basis(parts, case_organisation=mentorship.case.organisation.name)


def mentorship_list_for(
    user: AnyUser, *, text: str = "", step: str = "", finished: bool | None = None
) -> QuerySet[Mentorship]:
    """The mentorships the user sees, for the list: running ones first, then by the young person's first name and
    the newest first; narrowed by the search box (every word in the young person's first name or place or the
    mentor's name), one step, or running (`finished=False`) or finished only."""
    mentorships = words_in(
        mentorship_visible_to(user), text, ["young_person__first_name", "young_person__home_place", "nominee_name"]
    )
    if step:
        mentorships = mentorships.filter(state=step)
    if finished is not None:
        mentorships = (
            mentorships.filter(state__in=FINISHED_STATES)
            if finished
            else mentorships.exclude(state__in=FINISHED_STATES)
        )
    return (
        mentorships.select_related("young_person", "case__organisation", "mentor")
        .annotate(finished=ExpressionWrapper(Q(state__in=FINISHED_STATES), output_field=BooleanField()))
        .order_by("finished", "young_person__first_name", "-created_at", "pk")
    )


def open_buddy_counts(user_ids: Iterable[int]) -> dict[int, int]:
    """How many open buddy mentorships each user is the mentor of (absent when none): matching counts them against
    a volunteer's capacity. One query; not a lock."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return {}
    rows = (
        Mentorship.objects.filter(kind=Mentorship.Kind.BUDDY, mentor_id__in=ids, state__in=OPEN_STATES)
        .order_by()
        .values("mentor_id")
        .annotate(count=Count("pk"))
        .values_list("mentor_id", "count")
    )
    return {mentor_id: count for mentor_id, count in rows if mentor_id is not None}


# --- Starting a nomination ------------------------------------------------------------------------------------------


def nomination_case_for(user: AnyUser, young_person: YoungPerson) -> Case | None:
    """The open case of the young person on which the user is an assigned professional (the oldest one): the
    professional of that case starts a nomination. None for anyone else, coordinators included."""
    if not user.is_authenticated:
        return None
    return (
        Case.objects.filter(
            pk__in=cases_where(user, Party.PROFESSIONAL), young_person=young_person, closed_on__isnull=True
        )
        .select_related("organisation")
        .order_by("opened_on", "pk")
        .first()
    )


@dataclass(frozen=True)
class ChoiceRow:
    choice: MentorChoice
    # Nominated before, and how that ended (a state label), e.g. "the nominee said no".
    earlier: str


def nomination_choices(young_person: YoungPerson) -> list[ChoiceRow]:
    """The young person's ranked candidates, first choice first, each with how an earlier nomination of that person
    ended. Two queries."""
    choices = list(MentorChoice.objects.filter(young_person=young_person).select_related("person").order_by("rank"))
    earlier = Mentorship.objects.filter(young_person=young_person, nominee_id__isnull=False).order_by("created_at")
    ended = {m.nominee_id: m.get_state_display() for m in earlier}
    return [ChoiceRow(choice, str(ended.get(choice.person_id, ""))) for choice in choices]


def nomination_open_for(young_person: YoungPerson) -> bool:
    """Whether a nomination of one of the young person's candidates is waiting for the nominee's answer. Read by
    youth.network.services under the young person's row lock, which mentorship_nominate takes too."""
    return Mentorship.objects.filter(young_person=young_person, state__in=NOMINATION_STATES).exists()


# --- Screening and mandate ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreeningNeeds:
    vog: bool
    vog_valid_years: int


def screening_needed(organisation_id: int) -> ScreeningNeeds:
    """What the screening of a JIM asks, by the case organisation's volunteer policy: a VOG when the organisation
    requires one of its buddies (the volunteers closest to a JIM: one adult alone with one young person), valid as
    long as its policy says. Not asked of a JIM: an intake (the exploratory talk is one), references (the young
    person's own trust chose this person) or a home visit. Two queries."""
    steps = screening_required_for(organisation_id, VolunteerKind.BUDDY)
    return ScreeningNeeds(vog=ScreeningStep.VOG in steps, vog_valid_years=policy_for(organisation_id).vog_valid_years)


@dataclass(frozen=True)
class MandateParty:
    name: str
    given_as: str  # Mandate.GivenAs
    user: User | None
    answer: Mandate | None

    @property
    def given_as_label(self) -> str:
        return str(Mandate.GivenAs(self.given_as).label)

    @property
    def said_yes(self) -> bool:
        return self.answer is not None and self.answer.decision != Mandate.Decision.NO


@dataclass(frozen=True)
class MandateStatus:
    parties: list[MandateParty] = field(default_factory=list)
    # Under 12 the child does not decide but is heard.
    young_person_heard: bool = False

    @property
    def complete(self) -> bool:
        return bool(self.parties) and all(party.said_yes for party in self.parties)

    @property
    def refused(self) -> bool:
        return any(p.answer is not None and p.answer.decision == Mandate.Decision.NO for p in self.parties)

    def asks(self, user: AnyUser) -> MandateParty | None:
        """The party whose answer `user` gives themself, or None."""
        return next((p for p in self.parties if p.user is not None and p.user.pk == user.pk), None)

    def young_person_without_account(self) -> MandateParty | None:
        """The young person's place when their own yes is asked and they have no account: the professional then
        records what the young person said in person."""
        return next((p for p in self.parties if p.given_as == Mandate.GivenAs.YOUNG_PERSON and p.user is None), None)


def mandate_status(mentorship: Mentorship, *, on: date | None = None) -> MandateStatus:
    """Who must say yes to the mentor, by the consent rule for the young person's age (youth.selectors.
    consent_parties_required: under 12 each custodial parent, the child is heard; 12 to 15 the young person and
    each custodial parent; from 16 the young person alone), with each one's standing answer. Three queries."""
    young_person = mentorship.young_person
    rule = consent_parties_required(young_person=young_person, on=on)
    standing = list(mentorship.mandates.filter(replaced_at__isnull=True).select_related("given_by"))
    by_parent = {m.given_by_id: m for m in standing if m.given_as == Mandate.GivenAs.CUSTODIAL_PARENT}
    parties: list[MandateParty] = []
    if rule.young_person:
        # The young person's own answer; recorded by the professional when the young person has no account.
        own = next((m for m in standing if m.given_as == Mandate.GivenAs.YOUNG_PERSON), None)
        parties.append(MandateParty(young_person.first_name, Mandate.GivenAs.YOUNG_PERSON, young_person.user, own))
    parties += [
        MandateParty(str(parent), Mandate.GivenAs.CUSTODIAL_PARENT, parent, by_parent.get(parent.pk))
        for parent in rule.custodial_parents
    ]
    return MandateStatus(parties, young_person_heard=rule.young_person_heard)


# --- The invitation link --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationLookup:
    """What a link leads to: `status` is "valid", "unknown", "used", "replaced", "expired" or "closed" (the
    mentorship went on or stopped without this link)."""

    status: str
    invitation: Invitation | None = None

    @property
    def valid(self) -> bool:
        return self.status == "valid"


def invitation_lookup(token: str) -> InvitationLookup:
    """The invitation a link's token opens, and whether it can still be used. One query. Not a lock: a service
    decides again under the mentorship's row lock."""
    if not token_plausible(token):
        return InvitationLookup("unknown")
    invitation = (
        Invitation.objects.select_related("mentorship__young_person", "mentorship__case__organisation", "sent_by")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None:
        return InvitationLookup("unknown")
    # A finished mentorship revokes its links too: "closed" says more than "a newer link was sent".
    if invitation.used_at is None and invitation.mentorship.state not in (State.INVITED, State.TALK):
        return InvitationLookup("closed", invitation)
    status = link_status(used_at=invitation.used_at, revoked_at=invitation.revoked_at, expires_at=invitation.expires_at)
    return InvitationLookup(status, invitation)


# --- The running mentorship -----------------------------------------------------------------------------------------


def checkins_of(mentorship: Mentorship) -> tuple[CheckIn | None, list[CheckIn]]:
    """The planned check-in (or None) and the held ones, newest first. One query."""
    checkins = list(mentorship.checkins.select_related("recorded_by").order_by("-due_on", "-pk"))
    planned = next((checkin for checkin in checkins if checkin.held_on is None), None)
    return planned, [checkin for checkin in checkins if checkin.held_on is not None]


def coaching_notes_for(parties: set[Party], mentorship: Mentorship) -> list[CoachingNote] | None:
    """The coaching notes, newest first, for the case's professionals only; None for everyone else (coordinators
    too). One query."""
    if Party.PROFESSIONAL not in parties:
        return None
    return list(mentorship.coaching_notes.select_related("author"))


def ratings_for(user: AnyUser, parties: set[Party], mentorship: Mentorship) -> list[Rating]:
    """The ratings the user may read, newest first: all of them for the case's professionals, one's own for the
    young person and the mentor, none for others. One query at most."""
    if Party.PROFESSIONAL in parties:
        return list(mentorship.ratings.all())
    if parties & {Party.YOUNG_PERSON, Party.MENTOR}:
        return list(mentorship.ratings.filter(given_by_id=user.pk))
    return []


@dataclass(frozen=True)
class Waiting:
    who: str
    what: str


def mentorship_waiting_for(
    mentorship: Mentorship,
    people: dict[Party, list[User]],
    mandate: MandateStatus,
    agreement: AgreementOverview,
    planned: CheckIn | None,
) -> list[Waiting]:
    """Who still has to act, and what, in plain words, from what the page already read (no queries)."""
    professionals = ", ".join(str(user) for user in people[Party.PROFESSIONAL]) or _("the professional")
    nominee = mentorship.nominee_name
    state = mentorship.state
    if state == State.NOMINATED:
        return [Waiting(professionals, _("invite %(name)s and explain what a JIM does.") % {"name": nominee})]
    if state == State.INVITED:
        return [Waiting(nominee, _("answer the invitation."))]
    if state == State.TALK:
        return [
            Waiting(professionals, _("talk with %(name)s about what being a JIM means.") % {"name": nominee}),
            Waiting(nominee, _("answer the invitation after the talk.")),
        ]
    if state == State.ACCEPTED:
        return [Waiting(professionals, _("start the screening."))]
    if state == State.SCREENING:
        if mentorship.vog_required and mentorship.vog_issued_on is None:
            return [
                Waiting(nominee, _("ask for a VOG (certificate of conduct) and show it to the professional.")),
                Waiting(professionals, _("record the VOG.")),
            ]
        return [Waiting(professionals, _("finish the screening."))]
    if state == State.MANDATE:
        waiting = [
            Waiting(
                party.name,
                _("say yes or no to the mentor.")
                if party.given_as == Mandate.GivenAs.YOUNG_PERSON
                else _("give the mandate."),
            )
            for party in mandate.parties
            if not party.said_yes
        ]
        if mandate.refused:
            waiting.append(Waiting(professionals, _("talk about the no.")))
        if not mandate.parties:
            waiting.append(Waiting(professionals, _("add a parent with custody, who gives the mandate.")))
        return waiting
    if state == State.AGREEMENT:
        if agreement.in_force is not None:
            late = [Waiting(signature.name, _("agree to the agreements.")) for signature in agreement.joined_later]
            return [*late, Waiting(professionals, _("start the mentorship."))]
        if agreement.pending is not None:
            return [
                Waiting(signature.name, _("agree to the agreements.")) for signature in agreement.pending.waiting_for
            ]
        return [Waiting(professionals, _("write the agreements."))]
    if state in (State.ACTIVE, State.STEPPED_BACK):
        waiting = []
        if agreement.pending is not None:
            waiting += [
                Waiting(signature.name, _("agree to the new agreements."))
                for signature in agreement.pending.waiting_for
            ]
        waiting += [Waiting(signature.name, _("agree to the agreements.")) for signature in agreement.joined_later]
        if planned is not None:
            waiting.append(
                Waiting(
                    professionals,
                    _("hold the next check-in with the mentor before %(date)s.")
                    % {"date": planned.due_on.strftime("%d-%m-%Y")},
                )
            )
        return waiting
    return []


def mentor_ids_for(young_person_id: int) -> list[int]:
    """The users who mentor the young person in an open mentorship (JIM or buddy): a support part for
    youth.parties.supporters_of. One query."""
    return list(
        Mentorship.objects.filter(
            young_person_id=young_person_id, state__in=OPEN_STATES, mentor__isnull=False
        ).values_list("mentor_id", flat=True)
    )


# --- What waits for someone (the home page's "to do" list) -----------------------------------------------------------


def mandates_waiting_for(user: AnyUser, *, on: date | None = None) -> list[Mentorship]:
    """The mentorships at the mandate step that wait for this user's own answer: as the young person (from 12, by the
    age rule of youth.selectors.consent_deciders, the same as `mandate_status`) or as a parent with custody (while
    the young person is under 16), without a standing answer of theirs. Oldest first, with `young_person`. One
    query (plus the user's roles, read once per request)."""
    if not user.is_authenticated:
        return []
    today = on or timezone.localdate()
    answered = Mandate.objects.filter(mentorship=OuterRef("pk"), given_by_id=user.pk, replaced_at__isnull=True)
    candidates = (
        mentorship_writable_by(user)
        .filter(state=State.MANDATE, young_person__in=youngperson_own_or_in_custody(user).values("pk"))
        .filter(~Exists(answered))
        .select_related("young_person")
        .order_by("state_changed_at", "pk")
    )
    waiting = []
    for mentorship in candidates:
        own, parents_decide = consent_deciders(age_on(mentorship.young_person.date_of_birth, today))
        asked_as_self = mentorship.young_person.user_id == user.pk
        if (asked_as_self and own) or (not asked_as_self and parents_decide):
            waiting.append(mentorship)
    return waiting


def checkins_due_for(user: AnyUser, *, on: date | None = None) -> list[CheckIn]:
    """The planned check-ins of the running mentorships this user mentors that are due within the reminder's week
    (mentors.services.CHECKIN_REMINDER_BEFORE) or overdue, soonest first, with `mentorship`. One query."""
    # mentors.services imports this module: at call time to break the cycle.
    from mentors.services import CHECKIN_REMINDER_BEFORE

    if not user.is_authenticated:
        return []
    today = on or timezone.localdate()
    return list(
        CheckIn.objects.filter(
            held_on__isnull=True,
            due_on__lte=today + CHECKIN_REMINDER_BEFORE,
            mentorship__in=mentorship_writable_by(user)
            .filter(mentor_id=user.pk, state__in=RUNNING_STATES)
            .values("pk"),
        )
        .select_related("mentorship")
        .order_by("due_on", "pk")
    )
