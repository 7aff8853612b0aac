"""Writes of JIM mentorships: starting a nomination, the invitation and the nominee's answer, every later move of
the table in mentors/states.py, the mandate, the agreement, check-ins, coaching notes, ratings and the closure.

Every service that changes a mentorship locks its row first (select_for_update) and reads the state again under
the lock, so two parties acting at once take turns and the second one is judged on what the first one did.
Messages are read by young people, parents and nominees: short and plain.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from accounts.notify import notify
from accounts.phones import normalise_phone
from accounts.services import user_invite, user_phone_verified
from agreements.models import Agreement, AgreementVersion
from agreements.selectors import agreement_in_force_exists, agreement_of, agreementversion_in_force
from agreements.services import agreementversion_agree, agreementversion_propose, agreementversion_signatories_add
from core.links import link_send, token_hash, token_new
from hostfamilies.selectors import open_match_counts
from mentors.models import (
    MAX_CHECKIN_WEEKS,
    MIN_CHECKIN_WEEKS,
    CheckIn,
    CoachingNote,
    Invitation,
    Mandate,
    Mentorship,
    Rating,
)
from mentors.selectors import (
    mandate_status,
    mentorship_parties,
    mentorship_party_users,
    mentorship_signatories,
    nomination_case_for,
    open_buddy_counts,
    screening_needed,
)
from mentors.states import (
    AGREEMENT_STATES,
    FINISHED_STATES,
    MOVES,
    OPEN_STATES,
    RUNNING_STATES,
    Move,
    Party,
    State,
    Via,
)
from mentors.texts import mandate_text
from messaging.services.membership import conversations_follow_mentorship
from volunteers.models import Volunteer
from volunteers.selectors import volunteer_readiness
from youth.consent import consent_require
from youth.models import BuddyRequest, MentorChoice, YoungPerson
from youth.parties import is_custodial_parent

MAX_TEXT = 2000
MAX_REASON = 500
CHECKIN_REMINDER_BEFORE = timedelta(weeks=1)

# Sent to the other parties when a mentorship reaches a step: one short sentence without names (accounts.notify).
STATE_NOTICES = {
    State.NOMINATED: gettext_lazy("The professional has started asking the person chosen as mentor."),
    State.INVITED: gettext_lazy("The person chosen as mentor got an invitation."),
    State.TALK: gettext_lazy("The person asked to be a mentor would like to talk first."),
    State.ACCEPTED: gettext_lazy("The person asked to be a mentor said yes."),
    State.DECLINED: gettext_lazy(
        "The person asked to be a mentor said no. The professional talks with you about what now."
    ),
    State.SCREENING: gettext_lazy("The screening of a mentor has started."),
    State.MANDATE: gettext_lazy("A mentor is waiting for the mandate. Your answer may be needed."),
    State.AGREEMENT: gettext_lazy("Everyone said yes to the mentor. Now the agreements are made."),
    State.ACTIVE: gettext_lazy("A mentorship has started."),
    State.STEPPED_BACK: gettext_lazy("The professional steps back from a mentorship, and can still be reached."),
    State.COMPLETED: gettext_lazy("A mentorship is completed."),
    State.STOPPED: gettext_lazy("A mentorship was stopped."),
}


def _path(mentorship: Mentorship) -> str:
    return reverse("mentors:detail", args=[mentorship.pk])


def _lock(mentorship: Mentorship) -> Mentorship:
    """The mentorship's row, locked (only its own row: the mentor is on the nullable side of a join)."""
    return (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("young_person", "case__organisation", "mentor")
        .get(pk=mentorship.pk)
    )


def _refuse_unless_possible(locked: Mentorship, step: Move) -> None:
    if locked.state not in step.sources:
        raise ValidationError(
            _("This is not possible now: %(move)s. The mentorship is at this step: %(state)s.")
            % {"move": step.label, "state": locked.get_state_display()}
        )


def _check(actor: User, locked: Mentorship, step: Move) -> set[Party]:
    """Refuse a move the actor may not make (PermissionDenied) or that is not possible from the state
    (ValidationError naming the state); returns the actor's parties."""
    parties = mentorship_parties(actor, locked)
    if not parties & step.parties:
        raise PermissionDenied(_("You may not do this for this mentorship."))
    _refuse_unless_possible(locked, step)
    return parties


def _too_long(count: int) -> str:
    return _("Please keep this shorter: at most %(count)d characters.") % {"count": count}


def _reason(reason: str, step: Move) -> str:
    reason = reason.strip()
    if step.needs_reason and not reason:
        raise ValidationError({"reason": _("Write down why, in a few words.")})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _too_long(MAX_REASON)})
    return reason


def _notify_state(actor: User | None, mentorship: Mentorship) -> None:
    """Tell the other parties (not the coordinators: they are not in the mentorship's daily work) of the new step."""
    notice = STATE_NOTICES.get(State(mentorship.state))
    if notice is None:
        return
    people = mentorship_party_users(mentorship)
    everyone = [
        user
        for party in (Party.YOUNG_PERSON, Party.PARENT, Party.MENTOR, Party.PROFESSIONAL)
        for user in people[party]
        if actor is None or user.pk != actor.pk
    ]
    notify(everyone, notice=notice, path=_path(mentorship))


def _set_state(locked: Mentorship, state: str, actor: User | None) -> None:
    locked.state = state
    locked.state_changed_at = timezone.now()
    locked.save()
    _notify_state(actor, locked)
    conversations_follow_mentorship(mentorship=locked)


def _end(locked: Mentorship, state: str, actor: User | None, reason: str) -> None:
    """Finish the mentorship: when, by whom and why. A planned check-in will not be held, and a nominee who never
    said yes needs no contact details kept any more (their invitation links stop working too)."""
    locked.ended_on = timezone.localdate()
    locked.ended_by = actor
    locked.end_reason = reason
    if locked.mentor_id is None:
        locked.nominee_email = locked.nominee_phone = ""
    now = timezone.now()
    locked.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    CheckIn.objects.filter(mentorship=locked, held_on__isnull=True).delete()
    _set_state(locked, state, actor)


# --- Starting a nomination ------------------------------------------------------------------------------------------


def mentorship_nominate(*, actor: User, young_person: YoungPerson, choice: MentorChoice | None = None) -> Mentorship:
    """The professional of the young person's case starts a nomination of one of the young person's candidates:
    `choice` (one of theirs), or else their first choice. After a no, the professional starts again with the next.

    Refused: someone who is not an assigned professional of an open case of the young person; a young person who
    chose nobody; a choice of another young person; a young person who already has an open mentorship.

    Races: the young person's row is locked (select_for_update), the same lock under which youth.network.services
    changes the choice, so the choice cannot change between reading it and nominating. Two professionals starting
    at once make one: the partial unique constraint "one open mentorship per young person" refuses the second.
    """
    case = nomination_case_for(actor, young_person)
    if case is None:
        raise PermissionDenied(_("Only the professional of the case can start a nomination."))
    with transaction.atomic():
        locked_person = YoungPerson.objects.select_for_update().get(pk=young_person.pk)
        choices = list(
            MentorChoice.objects.filter(young_person=locked_person).select_related("person").order_by("rank")
        )
        if not choices:
            raise ValidationError(
                _("%(name)s has not chosen anyone yet. First choose up to three people in the network map.")
                % {"name": locked_person.first_name}
            )
        chosen = choices[0] if choice is None else next((c for c in choices if c.pk == choice.pk), None)
        if chosen is None:
            raise ValidationError(_("Choose one of the people %(name)s chose.") % {"name": locked_person.first_name})
        refusal = ValidationError(
            _("%(name)s already has a mentor or a nomination that is running. Finish or stop that one first.")
            % {"name": locked_person.first_name}
        )
        if Mentorship.objects.filter(young_person=locked_person, state__in=OPEN_STATES).exists():
            raise refusal
        try:
            with transaction.atomic():
                mentorship = Mentorship.objects.create(
                    young_person=locked_person,
                    case=case,
                    nominee=chosen.person,
                    nominee_name=chosen.person.first_name,
                    nominated_by=actor,
                    state_changed_at=timezone.now(),
                )
        except IntegrityError:
            raise refusal from None
        _notify_state(actor, mentorship)
    return mentorship


def mentorship_start_buddy(
    *, actor: User, buddy_request: BuddyRequest, volunteer: Volunteer, notify_parties: bool = True
) -> Mentorship:
    """Start a buddy mentorship for a young person who asked for a buddy, with a volunteer found by matching
    (matching.services.proposal_approve, which checks that `actor` is the case's professional or a coordinator of
    its organisation, and that the volunteer said yes).

    It starts at the mandate: nomination, invitation, exploratory talk and the yes happened in the proposal round,
    and the volunteers app screened the buddy (VOG, intake, references and training; matching proposes only
    matchable volunteers, and this is checked again here), so no screening step of the JIM journey is repeated.
    From the mandate on, the journey is the JIM one unchanged: the parents' mandate and the young person's consent,
    the agreement with its safety clause, running with check-ins, stepping back, closure.

    Refused: a volunteer who is not matchable now; a young person without anyone who can give the mandate; a young
    person who already has an open mentorship. With `notify_parties` the parties hear of the new step; the caller
    may tell them itself in one notice.

    Races: the volunteer's row is locked and their places counted under it (support-family matches and buddy
    mentorships), then the young person's row as in mentorship_nominate; the partial unique constraint "one open
    mentorship per young person" refuses a second one started at the same moment."""
    with transaction.atomic():
        locked_volunteer = Volunteer.objects.select_for_update(of=("self",)).select_related("user").get(pk=volunteer.pk)
        taken = open_match_counts([locked_volunteer.pk]).get(locked_volunteer.pk, 0)
        taken += open_buddy_counts([locked_volunteer.user_id]).get(locked_volunteer.user_id, 0)
        if not volunteer_readiness(locked_volunteer, open_matches=taken).matchable:
            raise ValidationError(
                _("This volunteer cannot be matched now. Check the screening, the training and the free places.")
            )
        locked_person = YoungPerson.objects.select_for_update().get(pk=buddy_request.young_person_id)
        # No buddy starts without the consent to keep and to share what the buddy needs (youth/consent.py).
        consent_require(locked_person)
        refusal = ValidationError(
            _("%(name)s already has a mentor or a nomination that is running. Finish or stop that one first.")
            % {"name": locked_person.first_name}
        )
        if Mentorship.objects.filter(young_person=locked_person, state__in=OPEN_STATES).exists():
            raise refusal
        now = timezone.now()
        try:
            with transaction.atomic():
                mentorship = Mentorship.objects.create(
                    kind=Mentorship.Kind.BUDDY,
                    young_person=locked_person,
                    case_id=buddy_request.case_id,
                    nominee_name=locked_volunteer.user.first_name,
                    mentor=locked_volunteer.user,
                    nominated_by=actor,
                    accepted_at=now,
                    state=State.MANDATE,
                    state_changed_at=now,
                )
        except IntegrityError:
            raise refusal from None
        mentorship = _lock(mentorship)
        if not mandate_status(mentorship).parties:
            raise ValidationError(
                _("Nobody can give the mandate yet: no parent with custody is known. Add the parents first.")
            )
        if notify_parties:
            _notify_state(actor, mentorship)
        conversations_follow_mentorship(mentorship=mentorship)
    return mentorship


# --- The invitation -------------------------------------------------------------------------------------------------


def mentorship_invite(
    *,
    actor: User,
    mentorship: Mentorship,
    first_name: str,
    last_name: str = "",
    email: str = "",
    phone: str = "",
    by_sms: bool = False,
    by_email: bool = False,
) -> tuple[Invitation, str]:
    """The professional sends the nominee a single-use link, by SMS and/or email, and returns the invitation with
    its token (the link; only a hash is stored). A new link replaces the older ones. The link works for
    MENTOR_INVITATION_DAYS days and once: the nominee's yes or no uses it up; asking for a call does not.

    The SMS and the email say only that someone asks the nominee to be a mentor, with the link: no names.

    Races: the mentorship row is locked, so a second invitation sent at the same moment replaces the first one
    cleanly and a stop in between is seen.
    """
    first_name, last_name, email = first_name.strip(), last_name.strip(), email.strip()
    errors: dict[str, str] = {}
    if not first_name:
        errors["first_name"] = _("Write the first name of the nominee.")
    try:
        phone = normalise_phone(phone)
    except ValidationError as error:
        errors["phone"] = " ".join(error.messages)
        phone = ""
    if not by_sms and not by_email:
        errors["by_sms"] = _("Choose how to send the invitation: by SMS, by email, or both.")
    if by_sms and not phone and "phone" not in errors:
        errors["phone"] = _("Write a mobile number to send an SMS.")
    if by_email and not email:
        errors["email"] = _("Write an email address to send an email.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock(mentorship)
        step = MOVES["invite"] if locked.state == State.NOMINATED else MOVES["invite_again"]
        _check(actor, locked, step)
        now = timezone.now()
        locked.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
        token, hashed = token_new()
        invitation = Invitation.objects.create(
            mentorship=locked,
            token_hash=hashed,
            sent_by=actor,
            expires_at=now + timedelta(days=settings.MENTOR_INVITATION_DAYS),
            by_sms=by_sms,
            by_email=by_email,
            email=email if by_email else "",
        )
        locked.nominee_name = f"{first_name} {last_name}".strip()[:150]
        locked.nominee_email, locked.nominee_phone = email, phone
        if step.target is not None:
            _set_state(locked, step.target, actor)
        else:
            locked.save()
        transaction.on_commit(lambda: _send_invitation(token, phone if by_sms else "", email if by_email else ""))
    return invitation, token


def invitation_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('mentors:invitation', args=[token])}"


def _send_invitation(token: str, phone: str, email: str) -> None:
    # The SMS and the email name nobody: they say only that someone asks, with the link.
    link_send(
        phone=phone,
        email=email,
        sms_text=gettext_lazy(
            "You were asked to be a mentor for a young person. Read what this means and give your answer: %(url)s"
        ),
        subject=gettext_lazy("You were asked to be a mentor"),
        email_template="mentors/email/invitation_message.txt",
        context={"url": invitation_url(token), "days": settings.MENTOR_INVITATION_DAYS},
    )


def invitation_opened(*, invitation: Invitation) -> None:
    """Note when the nominee first opened the link (the nominee has no account, so this is their access trail)."""
    Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=timezone.now())


def _nominee_lock(token: str, move: str) -> tuple[Mentorship, Invitation]:
    """Inside a transaction: the mentorship (locked) and its invitation for a nominee's move, or a ValidationError
    saying plainly why the link no longer works."""
    invitation = Invitation.objects.filter(token_hash=token_hash(token)).only("pk", "mentorship_id").first()
    if invitation is None:
        raise ValidationError(_("This link does not work. Check that you copied the whole link."))
    locked = _lock(Mentorship(pk=invitation.mentorship_id))
    current = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if current.used_at is not None:
        raise ValidationError(_("This link was already used. You already gave your answer."))
    if locked.state not in (State.INVITED, State.TALK):
        raise ValidationError(_("This invitation is closed. Nothing more needs to be done with this link."))
    if current.revoked_at is not None:
        raise ValidationError(_("This link no longer works: a newer link was sent. Use the newest one."))
    if current.expires_at <= timezone.now():
        raise ValidationError(_("This link has expired. Ask the professional for a new one."))
    _refuse_unless_possible(locked, MOVES[move])
    return locked, current


def invitation_ask_call(*, token: str) -> Mentorship:
    """The nominee asks the professional for a call first ("bel me eerst"): the mentorship moves to (or stays at)
    the exploratory talk, the professionals get a notice (the first time), and the link keeps working."""
    with transaction.atomic():
        locked, _invitation = _nominee_lock(token, "ask_call")
        first_time = locked.talk_requested_at is None
        locked.talk_requested_at = locked.talk_requested_at or timezone.now()
        if first_time:
            people = mentorship_party_users(locked)
            notify(
                people[Party.PROFESSIONAL],
                notice=gettext_lazy("The person asked to be a mentor would like a call first. Please call them."),
                path=_path(locked),
            )
        if locked.state != State.TALK:
            locked.state = State.TALK
            locked.state_changed_at = timezone.now()
        locked.save()
    return locked


def invitation_accept(*, token: str, first_name: str, last_name: str, email: str = "") -> User:
    """The nominee says yes: a minimal account with the mentor role is made (name, email, and the phone number the
    professional wrote down), and the welcome email carries a single-use link to choose a password (allauth's
    reset link, as for parents). Nobody is logged in by the link itself: the account is only used after proving
    the mailbox, and a yes given on someone else's phone leaves no logged-in session behind.

    The email address is the one the invitation was sent to; after an SMS-only invitation the nominee writes one.
    An existing account is linked only when the invitation was emailed to its address (so that nobody can attach
    a young person's mentorship to someone else's account by typing their address). The young person and their
    custodial parents cannot be the mentor.

    Races: under the mentorship's and the invitation's row locks, so a yes and a stop, or two clicks, take turns
    and the link is used once.
    """
    first_name, last_name = first_name.strip(), last_name.strip()
    if not first_name:
        raise ValidationError({"first_name": _("Write your first name.")})
    with transaction.atomic():
        locked, invitation = _nominee_lock(token, "accept")
        emailed = invitation.by_email and bool(invitation.email)
        address = invitation.email if emailed else User.objects.normalize_email(email.strip())
        if not address:
            raise ValidationError({"email": _("Write your email address. You log in with it.")})
        existing = User.objects.filter(email__iexact=address).first()
        if existing is not None and not emailed:
            raise ValidationError(
                {
                    "email": _(
                        "There is already an account with this email address. Ask the professional to send the "
                        "invitation to this email address."
                    )
                }
            )
        if existing is not None and (
            existing.pk == locked.young_person.user_id or is_custodial_parent(existing, locked.young_person_id)
        ):
            raise ValidationError(_("The young person or a parent with custody cannot be the mentor."))
        mentor = user_invite(email=address, first_name=first_name, last_name=last_name, role=Role.MENTOR)
        # A number belongs to one account (login codes go to it): one that another account has stays off this one.
        if existing is None and locked.nominee_phone and not User.objects.filter(phone=locked.nominee_phone).exists():
            mentor.phone = locked.nominee_phone
            mentor.save(update_fields=["phone"])
            if invitation.by_sms:  # the link reached this number, so opening it proves the number
                user_phone_verified(user=mentor, phone=mentor.phone)
        now = timezone.now()
        invitation.used_at = now
        invitation.save(update_fields=["used_at"])
        locked.mentor, locked.accepted_at = mentor, now
        locked.nominee_name = f"{first_name} {last_name}".strip()[:150]
        locked.nominee_email = address
        _set_state(locked, State.ACCEPTED, mentor)
    return mentor


def invitation_decline(*, token: str, reason: str) -> Mentorship:
    """The nominee says no, with a reason. The link is used up, the contact details are removed, and the young
    person, the parents and the professional hear of it; the professional may then nominate the next choice."""
    step = MOVES["decline"]
    reason = _reason(reason, step)
    with transaction.atomic():
        locked, invitation = _nominee_lock(token, "decline")
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
        _end(locked, State.DECLINED, None, reason)
    return locked


# --- Moves made with a button ---------------------------------------------------------------------------------------


def mentorship_move(*, actor: User, mentorship: Mentorship, move: str, reason: str = "") -> Mentorship:
    """Make one move of the table in mentors/states.py that is made with a button (with a reason where the move
    needs one) and return the mentorship as it is now.

    PermissionDenied when the actor takes no part through a party the move allows; ValidationError when the move
    does not exist or is made elsewhere, cannot be made from the current state (the message names the state), or
    a reason is missing. What each move checks and does:
    - decline (the professional records a no said on the phone) and stop: closure with the reason;
    - start_screening: what the screening asks is decided now, from the organisation's policy;
    - screening_done: a required VOG must be recorded and still valid, and someone must be able to give the
      mandate;
    - activate: an agreement version must be in force and the consent complete (youth/consent.py); plans the
      first check-in with its reminder;
    - step_back: the day is recorded; coaching and check-ins go on.

    Races: the mentorship row is locked (select_for_update) and the state read again before anything is decided.
    """
    step = MOVES.get(move)
    if step is None or step.via != Via.STEP:
        raise ValidationError(_("This step does not exist here."))
    reason = _reason(reason, step)
    with transaction.atomic():
        locked = _lock(mentorship)
        _check(actor, locked, step)
        target = step.target
        assert target is not None
        today = timezone.localdate()
        if target in (State.DECLINED, State.STOPPED):
            _end(locked, target, actor, reason)
            return locked
        if target == State.SCREENING:
            locked.vog_required = screening_needed(locked.case.organisation_id).vog
        elif target == State.MANDATE:
            _check_screening(locked, today)
            if not mandate_status(locked).parties:
                raise ValidationError(
                    _("Nobody can give the mandate yet: no parent with custody is known. Add the parents first.")
                )
        elif target == State.ACTIVE:
            # Read under the mentorship's lock; a version once in force never stops being in force.
            if not agreement_in_force_exists(locked):
                raise ValidationError(_("Make the agreements first and let everyone agree to them."))
            # Nothing starts without the consent to keep and to share what the mentor needs (youth/consent.py).
            consent_require(locked.young_person)
            locked.started_on = today
        elif target == State.STEPPED_BACK:
            locked.stepped_back_on = today
        _set_state(locked, target, actor)
        if target == State.ACTIVE:
            _checkin_plan(locked, due_on=today + timedelta(weeks=locked.checkin_weeks))
    return locked


def _check_screening(locked: Mentorship, today: date) -> None:
    if not locked.vog_required:
        return
    if locked.vog_issued_on is None:
        raise ValidationError(_("The organisation asks for a VOG of a mentor. Record the VOG first."))
    years = screening_needed(locked.case.organisation_id).vog_valid_years
    if not _vog_valid(locked.vog_issued_on, years, today):
        raise ValidationError(_("The VOG is older than %(years)s years. Ask for a new one.") % {"years": years})


def _vog_valid(issued_on: date, years: int, today: date) -> bool:
    try:
        until = issued_on.replace(year=issued_on.year + years)
    except ValueError:  # 29 February
        until = issued_on.replace(year=issued_on.year + years, day=28)
    return until >= today


def mentorship_screening_record(*, actor: User, mentorship: Mentorship, vog_issued_on: date) -> Mentorship:
    """The professional records that they saw the mentor's VOG (the date of issue; no scan is stored). Only during
    the screening; refused for a date in the future or a VOG older than the organisation's policy allows.
    Under the mentorship's row lock."""
    today = timezone.localdate()
    with transaction.atomic():
        locked = _lock(mentorship)
        if Party.PROFESSIONAL not in mentorship_parties(actor, locked):
            raise PermissionDenied(_("Only the professional of the case records the screening."))
        if locked.state != State.SCREENING:
            raise ValidationError(
                _("The VOG is recorded during the screening. The mentorship is at this step: %(state)s.")
                % {"state": locked.get_state_display()}
            )
        years = screening_needed(locked.case.organisation_id).vog_valid_years
        if vog_issued_on > today:
            raise ValidationError({"vog_issued_on": _("This date is in the future.")})
        if not _vog_valid(vog_issued_on, years, today):
            raise ValidationError(
                {"vog_issued_on": _("This VOG is older than %(years)s years. Ask for a new one.") % {"years": years}}
            )
        locked.vog_issued_on, locked.vog_checked_by = vog_issued_on, actor
        locked.save(update_fields=["vog_issued_on", "vog_checked_by"])
    return locked


# --- Mandate and consent --------------------------------------------------------------------------------------------


def mandate_give(
    *, actor: User, mentorship: Mentorship, decision: str, reservations: str = "", for_young_person: bool = False
) -> Mandate:
    """Record one answer to the mentor: a custodial parent's mandate, or the young person's own yes, as the consent
    rule for their age asks (mentors.selectors.mandate_status). A yes may come with reservations ("akkoord, met
    bedenkingen"), which are then written down. A changed answer replaces the standing one (kept as history).

    With `for_young_person`, the professional records what a young person without an account said in person.

    With the last yes that is asked for, the mentorship moves on to the agreement. A no does not stop it: it waits
    while the professional talks with whoever said no (who may change the answer), and anyone may still stop it.

    Races: the mentorship row is locked first, so two parents answering at once take turns and exactly one of
    them moves the mentorship on; the partial unique constraint "one standing answer per person" backs this up.
    """
    step = MOVES["give_mandate"]
    if decision not in Mandate.Decision.values:
        raise ValidationError({"decision": _("Choose an answer.")})
    reservations = reservations.strip()
    if decision == Mandate.Decision.RESERVATIONS and not reservations:
        raise ValidationError({"reservations": _("Write down your reservations, in a few words.")})
    if len(reservations) > MAX_TEXT:
        raise ValidationError({"reservations": _too_long(MAX_TEXT)})
    if decision != Mandate.Decision.RESERVATIONS:
        reservations = ""
    with transaction.atomic():
        locked = _lock(mentorship)
        parties = mentorship_parties(actor, locked)
        if not parties:
            raise PermissionDenied(_("You may not do this for this mentorship."))
        _refuse_unless_possible(locked, step)
        status = mandate_status(locked)
        if for_young_person:
            place = status.young_person_without_account()
            if place is None or Party.PROFESSIONAL not in parties:
                raise PermissionDenied(
                    _("Only the professional records the answer of a young person without an account.")
                )
        else:
            place = status.asks(actor)
            if place is None:
                raise PermissionDenied(_("Your answer is not asked for this mentor."))
        standing = Mandate.objects.filter(mentorship=locked, replaced_at__isnull=True, given_as=place.given_as)
        if place.given_as == Mandate.GivenAs.CUSTODIAL_PARENT:
            standing = standing.filter(given_by=actor)
        standing.update(replaced_at=timezone.now())
        try:
            with transaction.atomic():
                mandate = Mandate.objects.create(
                    mentorship=locked,
                    given_by=actor,
                    given_as=place.given_as,
                    decision=decision,
                    reservations=reservations,
                    text_version=mandate_text(locked.kind)[1],
                )
        except IntegrityError:
            raise ValidationError(_("Your answer was recorded at the same moment. Please look again.")) from None
        if mandate_status(locked).complete:
            _set_state(locked, State.AGREEMENT, actor)
        elif decision == Mandate.Decision.NO:
            notify(
                mentorship_party_users(locked)[Party.PROFESSIONAL],
                notice=gettext_lazy("Someone said no to a mentor. Please talk with them about it."),
                path=_path(locked),
            )
    return mandate


# --- The agreement --------------------------------------------------------------------------------------------------


def mentorship_agreement_may_propose(parties: set[Party], state: str, *, has_agreement: bool) -> bool:
    """Whether someone taking part through `parties` may propose a version of the agreement now: the first one the
    professional, any later change every party who agrees to it (the coordinator is not one). Pure."""
    if state not in AGREEMENT_STATES:
        return False
    if Party.PROFESSIONAL in parties:
        return True
    return has_agreement and bool(parties & {Party.YOUNG_PERSON, Party.PARENT, Party.MENTOR})


def mentorship_agreement_propose(
    *, actor: User, mentorship: Mentorship, sections: dict[str, str], change_note: str = ""
) -> AgreementVersion:
    """Propose a (new) version of the JIM agreement (what the mentor may pass on to the parents and to the
    professional, how often they meet, how to reach the professional; the safety clause is fixed above it).

    From the mandate on: the first version is written by the professional; after that any party may propose a
    change. Every version must be agreed again by everyone (mentors.selectors.mentorship_signatories); the version
    in force stays in force until then. Those who must agree get a notice.

    Races: the mentorship row is locked, so a stop cannot slip in and two first proposals cannot both pass the
    "first version" rule; numbering is guarded by the agreement's row lock in agreements.services.
    """
    with transaction.atomic():
        locked = _lock(mentorship)
        parties = mentorship_parties(actor, locked)
        if not parties:
            raise PermissionDenied(_("You may not do this for this mentorship."))
        if locked.state not in AGREEMENT_STATES:
            raise ValidationError(
                _(
                    "Agreements are made once everyone said yes to the mentor. "
                    "The mentorship is at this step: %(state)s."
                )
                % {"state": locked.get_state_display()}
            )
        agreement = agreement_of(locked)
        if not mentorship_agreement_may_propose(parties, locked.state, has_agreement=agreement is not None):
            raise PermissionDenied(_("The professional writes the first agreements."))
        signatories = mentorship_signatories(locked)
        version = agreementversion_propose(
            agreement=agreement,
            agreement_subject=locked,
            kind=Agreement.Kind.JIM,
            proposed_by=actor,
            sections=sections,
            change_note=change_note,
            signatories=signatories,
        )
        notify(
            [user for user, _party in signatories if user.pk != actor.pk],
            notice=gettext_lazy("New agreements about a mentor are waiting for your yes."),
            path=_path(locked),
        )
    return version


def mentorship_agreement_agree(*, actor: User, mentorship: Mentorship, version: AgreementVersion) -> AgreementVersion:
    """`actor` agrees to `version` of the mentorship's agreement; returns it (with `in_force_at` once all agreed).

    PermissionDenied when the version is not this mentorship's or the actor is not asked; ValidationError when the
    mentorship is finished, or (agreements.services) the version was replaced or already agreed to. With the last
    yes, everyone hears that the agreements are in force.

    Races: the mentorship row is locked first, then the agreement's (always in this order), so a stop cannot
    happen in between and `in_force_at` is set once.
    """
    with transaction.atomic():
        locked = _lock(mentorship)
        agreement = agreement_of(locked)
        if agreement is None or version.agreement_id != agreement.pk:
            raise PermissionDenied(_("These agreements do not belong to this mentorship."))
        if locked.state not in AGREEMENT_STATES:
            raise ValidationError(_("This mentorship has ended. Its agreements can no longer be changed."))
        in_force = agreementversion_in_force(agreement)
        was_in_force = in_force is not None and in_force.pk == version.pk
        agreed = agreementversion_agree(version=version, user=actor)
        # A late yes to the version in force (someone who joined since) brings nothing new into force.
        if agreed.in_force_at is not None and not was_in_force:
            people = mentorship_party_users(locked)
            notify(
                [user for users in people.values() for user in users if user.pk != actor.pk],
                notice=gettext_lazy("Everyone agreed: the new agreements about a mentor are in force."),
                path=_path(locked),
            )
    return agreed


def mentorships_follow_young_person(young_person: YoungPerson) -> None:
    """The young person got their own account: on every mentorship whose agreements are being made or are running,
    they are asked to agree to the newest version too (`mentorship_signatories` names them now); no new version is
    made, the texts did not change. Their place in the conversations follows from messaging's sync. Called through
    youth.parties.young_person_joined, in the transaction that links the account.

    Races: each mentorship row is locked, then its agreement's (the order of every agreement move), so a proposal or
    a stop at the same moment takes its turn."""
    for pk in Mentorship.objects.filter(young_person=young_person, state__in=AGREEMENT_STATES).values_list(
        "pk", flat=True
    ):
        locked = _lock(Mentorship(pk=pk))
        agreement = agreement_of(locked)
        if locked.state in AGREEMENT_STATES and agreement is not None:
            agreementversion_signatories_add(agreement=agreement, signatories=mentorship_signatories(locked))


# --- Check-ins, coaching notes and ratings --------------------------------------------------------------------------


def _checkin_plan(mentorship: Mentorship, *, due_on: date) -> CheckIn:
    """Plan the next check-in and schedule its reminder a week before, in the caller's transaction (the task row is
    in the same database, so a rolled-back plan leaves no reminder behind)."""
    checkin = CheckIn.objects.create(mentorship=mentorship, due_on=due_on)
    _checkin_schedule_reminder(checkin)
    return checkin


def _checkin_schedule_reminder(checkin: CheckIn) -> None:
    # tasks.py imports this module to run the work: imported at call time to break the cycle.
    from mentors.tasks import checkin_reminder

    remind_at = timezone.make_aware(datetime.combine(checkin.due_on - CHECKIN_REMINDER_BEFORE, time(9)))
    checkin_reminder.using(run_after=max(remind_at, timezone.now())).enqueue(checkin.pk)


def checkin_record(*, actor: User, mentorship: Mentorship, held_on: date, note: str) -> CheckIn:
    """The professional records a check-in with the mentor (what everyone involved may read: private coaching goes
    in the coaching notes) and the next one is planned `checkin_weeks` after it, with its reminder.

    Refused: a mentorship that is not running, a date in the future, before the start, or on or before a check-in
    already recorded (which also stops a form sent twice from filling in the next planned one).

    Races: the mentorship row is locked first, so a second recording of the same check-in sees the first one and is
    refused by the date rule; the partial unique constraint "one planned check-in" backs this up.
    """
    note = note.strip()
    today = timezone.localdate()
    with transaction.atomic():
        locked = _lock(mentorship)
        if Party.PROFESSIONAL not in mentorship_parties(actor, locked):
            raise PermissionDenied(_("Only the professional records a check-in."))
        if locked.state not in RUNNING_STATES:
            raise ValidationError(_("A check-in is recorded while the mentorship is running."))
        errors: dict[str, str] = {}
        if not note:
            errors["note"] = _("Write down in a few words how it goes.")
        elif len(note) > MAX_TEXT:
            errors["note"] = _too_long(MAX_TEXT)
        if held_on > today:
            errors["held_on"] = _("This date is in the future.")
        elif locked.started_on and held_on < locked.started_on:
            errors["held_on"] = _("The mentorship started on %(date)s. Choose a date after that.") % {
                "date": locked.started_on.strftime("%d-%m-%Y")
            }
        elif locked.checkins.filter(held_on__gte=held_on).exists():
            errors["held_on"] = _("A check-in on this date or later is already recorded.")
        if errors:
            raise ValidationError(errors)
        checkin = CheckIn.objects.select_for_update().filter(mentorship=locked, held_on__isnull=True).first()
        if checkin is None:
            checkin = CheckIn(mentorship=locked, due_on=held_on)
        checkin.held_on, checkin.note, checkin.recorded_by = held_on, note, actor
        checkin.save()
        _checkin_plan(locked, due_on=held_on + timedelta(weeks=locked.checkin_weeks))
    return checkin


def checkin_interval_set(*, actor: User, mentorship: Mentorship, weeks: int) -> Mentorship:
    """The professional sets how many weeks lie between check-ins (1 to 26). The planned check-in moves to that
    many weeks after the last one held (or the start), with a new reminder; the old reminder then finds it too
    early, or already sent, and does nothing. Under the mentorship's row lock."""
    if not MIN_CHECKIN_WEEKS <= weeks <= MAX_CHECKIN_WEEKS:
        raise ValidationError({"weeks": _("Choose from 1 to 26 weeks.")})
    with transaction.atomic():
        locked = _lock(mentorship)
        if Party.PROFESSIONAL not in mentorship_parties(actor, locked):
            raise PermissionDenied(_("Only the professional sets how often the check-ins are."))
        if locked.state not in AGREEMENT_STATES:
            raise ValidationError(_("This can be set from the agreements until the mentorship ends."))
        locked.checkin_weeks = weeks
        locked.save(update_fields=["checkin_weeks"])
        planned = CheckIn.objects.select_for_update().filter(mentorship=locked, held_on__isnull=True).first()
        if planned is not None:
            last = locked.checkins.filter(held_on__isnull=False).order_by("-held_on").first()
            since = last.held_on if last is not None and last.held_on else locked.started_on or timezone.localdate()
            planned.due_on, planned.reminder_sent_on = since + timedelta(weeks=weeks), None
            planned.save(update_fields=["due_on", "reminder_sent_on"])
            _checkin_schedule_reminder(planned)
    return locked


def checkin_remind(*, checkin_id: int) -> bool:
    """Tell the professionals and the mentor that a check-in is due in a week; returns whether it did.

    Does nothing when the check-in is gone (the mentorship ended), was held or reminded already, is not yet a week
    away (it was moved later: a newer reminder is planned), or the mentorship is not running: so the task may run
    more than once. Races: the check-in row is locked while `reminder_sent_on` is checked and set.
    """
    with transaction.atomic():
        checkin = (
            CheckIn.objects.select_for_update(of=("self",))
            .select_related("mentorship__young_person", "mentorship__case")
            .filter(pk=checkin_id)
            .first()
        )
        if checkin is None or checkin.held_on is not None or checkin.reminder_sent_on is not None:
            return False
        today = timezone.localdate()
        if checkin.mentorship.state not in RUNNING_STATES or today < checkin.due_on - CHECKIN_REMINDER_BEFORE:
            return False
        people = mentorship_party_users(checkin.mentorship)
        notify(
            [*people[Party.PROFESSIONAL], *people[Party.MENTOR]],
            notice=gettext_lazy("A check-in with a mentor is due within a week. Plan it now."),
            path=_path(checkin.mentorship),
        )
        checkin.reminder_sent_on = today
        checkin.save(update_fields=["reminder_sent_on"])
    return True


def coachingnote_add(*, actor: User, mentorship: Mentorship, text: str) -> CoachingNote:
    """The professional writes a private note about coaching the mentor, read only by the case's professionals.
    From the nomination until the mentorship ends. One insert, after checking the state under the row lock."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write a note first.")})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": _too_long(MAX_TEXT)})
    with transaction.atomic():
        locked = _lock(mentorship)
        if Party.PROFESSIONAL not in mentorship_parties(actor, locked):
            raise PermissionDenied(_("Only the professional of the case writes coaching notes."))
        if locked.state in FINISHED_STATES:
            raise ValidationError(_("This mentorship has ended."))
        return CoachingNote.objects.create(mentorship=locked, author=actor, text=text)


def rating_give(*, actor: User, mentorship: Mentorship, score: int, comment: str = "") -> Rating:
    """The young person or the mentor rates how it goes (1 to 5, with a short comment if they like), as often as
    they want while the mentorship runs. One insert, after checking the state under the row lock."""
    comment = comment.strip()
    if score not in range(1, 6):
        raise ValidationError({"score": _("Choose how it goes.")})
    if len(comment) > 300:
        raise ValidationError({"comment": _too_long(300)})
    with transaction.atomic():
        locked = _lock(mentorship)
        parties = mentorship_parties(actor, locked)
        if Party.YOUNG_PERSON in parties:
            given_as = Rating.GivenAs.YOUNG_PERSON
        elif Party.MENTOR in parties:
            given_as = Rating.GivenAs.MENTOR
        else:
            raise PermissionDenied(_("Only the young person and the mentor rate how it goes."))
        if locked.state not in RUNNING_STATES:
            raise ValidationError(_("You can say how it goes while the mentorship is running."))
        return Rating.objects.create(mentorship=locked, given_by=actor, given_as=given_as, score=score, comment=comment)


# --- Closure --------------------------------------------------------------------------------------------------------


def _outcome_checked(
    *, placement_averted: str, goals_young_person: str, goals_parents: str, satisfaction: int | None
) -> dict[str, object]:
    errors: dict[str, str] = {}
    if placement_averted not in Mentorship.Averted.values:
        errors["placement_averted"] = _("Choose whether a placement out of home was averted.")
    if goals_young_person not in Mentorship.Goals.values:
        errors["goals_young_person"] = _("Choose whether the young person thinks the goals were reached.")
    if goals_parents not in Mentorship.Goals.values:
        errors["goals_parents"] = _("Choose whether the parents think the goals were reached.")
    if satisfaction not in range(1, 6):
        errors["satisfaction"] = _("Choose how satisfied those involved are, from 1 to 5.")
    if errors:
        raise ValidationError(errors)
    return {
        "placement_averted": placement_averted,
        "goals_young_person": goals_young_person,
        "goals_parents": goals_parents,
        "satisfaction": satisfaction,
    }


def mentorship_complete(
    *,
    actor: User,
    mentorship: Mentorship,
    reason: str,
    placement_averted: str,
    goals_young_person: str,
    goals_parents: str,
    satisfaction: int | None,
) -> Mentorship:
    """The professional completes a running mentorship (the formal role ends; the relationship does not, and the
    mentor stays in the young person's network map), with the reason and the outcome. Under the row lock."""
    step = MOVES["complete"]
    reason = _reason(reason, step)
    outcome = _outcome_checked(
        placement_averted=placement_averted,
        goals_young_person=goals_young_person,
        goals_parents=goals_parents,
        satisfaction=satisfaction,
    )
    with transaction.atomic():
        locked = _lock(mentorship)
        _check(actor, locked, step)
        for name, value in outcome.items():
            setattr(locked, name, value)
        _end(locked, State.COMPLETED, actor, reason)
    return locked


def mentorship_outcome_record(
    *,
    actor: User,
    mentorship: Mentorship,
    placement_averted: str,
    goals_young_person: str,
    goals_parents: str,
    satisfaction: int | None,
) -> Mentorship:
    """The professional records (or corrects) the outcome of a finished mentorship, e.g. after someone else stopped
    it. Not for a nomination the nominee said no to: nothing ran. Under the row lock."""
    outcome = _outcome_checked(
        placement_averted=placement_averted,
        goals_young_person=goals_young_person,
        goals_parents=goals_parents,
        satisfaction=satisfaction,
    )
    with transaction.atomic():
        locked = _lock(mentorship)
        if Party.PROFESSIONAL not in mentorship_parties(actor, locked):
            raise PermissionDenied(_("Only the professional of the case records the outcome."))
        if locked.state not in (State.COMPLETED, State.STOPPED):
            raise ValidationError(_("The outcome is recorded when the mentorship has ended."))
        for name, value in outcome.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(outcome))
    return locked
