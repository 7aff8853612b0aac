"""Writes about support families: a family's request, proposing a support family, and every later step of the
match (through the one table in hostfamilies/states.py)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organisation, User
from accounts.notify import notify
from agreements.models import Agreement, AgreementVersion, SignatoryParty
from agreements.selectors import agreement_in_force_exists, agreement_of
from agreements.services import agreementversion_agree, agreementversion_propose
from core.geo import geocode
from core.languages import SPOKEN_LANGUAGES
from hostfamilies.models import VISIT_FIELDS, MatchReview, SupportFamilyMatch, SupportRequest
from hostfamilies.selectors import (
    AGREEMENT_STATES,
    REVIEWERS,
    match_agreement_may_propose,
    match_parties,
    match_party_users,
    supportrequest_writable_by,
)
from hostfamilies.states import FINISHED_STATES, MOVES, OPEN_STATES, VISIT_RECORDERS, Move, Party, State
from messaging.services.membership import conversations_follow_match
from volunteers.models import Volunteer, VolunteerKind
from volunteers.selectors import volunteer_readiness, with_readiness_data
from youth.consent import consent_require
from youth.models import Case
from youth.parties import Support, coordinates, parties_of, party_user_queryset

if TYPE_CHECKING:  # matching calls these services; only the type is read from it
    from matching.models import Proposal
from youth.selectors import case_writable_by

# What the family tells at the intake; the family and those who work on the request can correct each of these.
INTAKE_FIELDS = (
    "what_for",
    "other_children_ages",
    "wants_weekend_stays",
    "wants_weekday_afternoons",
    "frequency",
    "wishes",
    "home_place",
    "languages",
    "pet_allergy",
    "smoke_free",
    "culture_or_religion",
)
MAX_OTHER_CHILDREN = 8


def _intake_checked(values: dict[str, Any]) -> dict[str, Any]:
    """The intake values cleaned (text stripped, the place geocoded into coordinates), or a ValidationError that
    names each wrong field. Unknown names are a programming error (TypeError)."""
    unknown = set(values) - set(INTAKE_FIELDS)
    if unknown:
        raise TypeError(f"Not an intake field: {sorted(unknown)}")
    cleaned = {name: value.strip() if isinstance(value, str) else value for name, value in values.items()}
    errors: dict[str, str] = {}
    if "what_for" in cleaned and not cleaned["what_for"]:
        errors["what_for"] = _("Write in a few words what the family needs support for.")
    ages = cleaned.get("other_children_ages", [])
    if len(ages) > MAX_OTHER_CHILDREN or any(not isinstance(age, int) or not 0 <= age <= 23 for age in ages):
        errors["other_children_ages"] = _("Give the ages as whole numbers from 0 to 23, at most eight children.")
    if cleaned.get("frequency", "") not in ("", *SupportRequest.Frequency.values):
        errors["frequency"] = _("Choose how often from the list.")
    if set(cleaned.get("languages", [])) - {code for code, _label in SPOKEN_LANGUAGES}:
        errors["languages"] = _("Choose the languages from the list.")
    if "home_place" in cleaned:
        try:
            place = geocode(cleaned["home_place"])
        except ValidationError as error:
            errors["home_place"] = " ".join(error.messages)
        else:
            cleaned["home_place"], cleaned["latitude"], cleaned["longitude"] = (
                place.name,
                place.latitude,
                place.longitude,
            )
    if errors:
        raise ValidationError(errors)
    return cleaned


def supportrequest_create(
    *, actor: User, case: Case, organisation: Organisation, what_for: str, **intake: Any
) -> SupportRequest:
    """Record a family's request for a support family (the intake), handled by `organisation` (the coordinators'
    one). `intake` holds any other of INTAKE_FIELDS; the place and the languages default to the young person's.

    Made by a coordinator of that organisation, or by someone who works on the case (its professional or a
    coordinator of the case's organisation). The case must be open. Nothing can race here: one insert.
    """
    if not coordinates(actor, organisation.pk) and not (case_writable_by(actor).filter(pk=case.pk).exists()):
        raise PermissionDenied(_("You may not ask for a support family for this family."))
    child = case.young_person
    values = {"home_place": child.home_place, "languages": list(child.languages), **intake, "what_for": what_for}
    values = _intake_checked(values)
    if not case.is_open:
        raise ValidationError(_("This case is closed. Ask for a support family from an open case."))
    with transaction.atomic():
        support_request = SupportRequest.objects.create(
            case=case, organisation=organisation, updated_by=actor, **values
        )
        path = reverse("hostfamilies:request_detail", args=[support_request.pk])
        # The family reads what was written down about them, and can correct it.
        notify(
            party_user_queryset(case, Party.PARENT, active=False),
            notice=gettext_lazy("A support family was asked for your family. Check what we wrote down."),
            path=path,
        )
        notify(
            party_user_queryset(
                case, Party.COORDINATOR, Support(organisation_id=organisation.pk), active=False
            ).exclude(pk=actor.pk),
            notice=gettext_lazy("A new request for a support family is on the waiting list."),
            path=path,
        )
    return support_request


def supportrequest_update(*, actor: User, support_request: SupportRequest, **intake: Any) -> SupportRequest:
    """Correct what the intake recorded (any of INTAKE_FIELDS): by the family itself (a parent or guardian with
    custody), the case's professional, or a coordinator of the request's organisation. A withdrawn request is no
    longer changed.

    Races: two people could correct the same request at once; the row is locked (select_for_update) and only the
    fields each of them sent are written, so one correction does not undo another field of the other.
    """
    if not supportrequest_writable_by(actor).filter(pk=support_request.pk).exists():
        raise PermissionDenied(_("You may not change this request."))
    values = _intake_checked(intake)
    with transaction.atomic():
        locked = SupportRequest.objects.select_for_update().get(pk=support_request.pk)
        if locked.status == SupportRequest.Status.WITHDRAWN:
            raise ValidationError(_("This request was withdrawn. It can no longer be changed."))
        for name, value in values.items():
            setattr(locked, name, value)
        locked.updated_by = actor
        locked.save(update_fields=[*values, "updated_by", "updated_at"])
    return locked


def supportrequest_withdraw(*, actor: User, support_request: SupportRequest) -> SupportRequest:
    """Take a waiting request off the waiting list, because the family no longer needs a support family: by the
    family itself, the case's professional or a coordinator of the request's organisation. A request with a
    proposed or running match is not withdrawn: stop that match first.

    Races: a coordinator could propose a support family at the same moment; `match_propose` locks the request row
    too, so this lock (select_for_update) makes one wait for the other and the status is read as it is then.
    """
    if not supportrequest_writable_by(actor).filter(pk=support_request.pk).exists():
        raise PermissionDenied(_("You may not change this request."))
    with transaction.atomic():
        locked = SupportRequest.objects.select_for_update().get(pk=support_request.pk)
        if locked.status != SupportRequest.Status.WAITING:
            raise ValidationError(
                _("Only a request that is waiting can be withdrawn. This request is: %(status)s.")
                % {"status": locked.get_status_display()}
            )
        locked.status = SupportRequest.Status.WITHDRAWN
        locked.updated_by = actor
        locked.save(update_fields=["status", "updated_by", "updated_at"])
    return locked


# A proposal round ends with its approval; the match it starts then goes on to its introduction visits.
ROUND_MOVES: frozenset[str] = frozenset({"introduce"})
# Those whose approval of a proposal round is the authority to start its match.
ROUND_APPROVERS: frozenset[Party] = frozenset({Party.COORDINATOR, Party.PROFESSIONAL})


def _round_approved(actor: User, request: SupportRequest, volunteer_id: int, proposal: Proposal | None) -> bool:
    """Why someone who is not a coordinator of the request's organisation may start a match: they approve the
    proposal round of this request, for this volunteer, as its coordinator or as the professional of the case
    (matching.services.proposal_approve holds the proposal's row lock and checked that it was accepted)."""
    if proposal is None or proposal.support_request_id != request.pk or proposal.volunteer_id != volunteer_id:
        return False
    return bool(
        parties_of(actor, request.case, Support(organisation_id=request.organisation_id), among=ROUND_APPROVERS)
    )


def match_propose(
    *,
    actor: User,
    request: SupportRequest,
    volunteer: Volunteer,
    trial_weeks: int = 6,
    approved_proposal: Proposal | None = None,
) -> SupportFamilyMatch:
    """A coordinator of the request's organisation proposes a support family for a waiting request; or, with
    `approved_proposal`, the approver of a proposal round of this request for this volunteer starts the match
    (`_round_approved`: the round's approval is the authority, so the professional of the case may too).

    Refused: a request that is withdrawn or already has an open match, or whose young person's consent to keep
    and share is not complete (youth/consent.py); a volunteer who is not registered as a
    support family, who is not matchable (`volunteers.selectors.volunteer_readiness`), or who has no place left
    (their matches in OPEN_STATES already fill their capacity).

    Races: two coordinators could each see the last place of a volunteer free, or each propose for the same
    request. So the request row and then the volunteer row are locked (select_for_update, always in this order)
    before counting; the partial unique constraint "one open match per request" backs up the request lock.
    """
    if not coordinates(actor, request.organisation_id) and not _round_approved(
        actor, request, volunteer.pk, approved_proposal
    ):
        raise PermissionDenied(_("Only a coordinator of the organisation that handles this request can do this."))
    if not 1 <= trial_weeks <= 52:
        raise ValidationError({"trial_weeks": _("A trial period lasts from 1 to 52 weeks.")})
    with transaction.atomic():
        locked_request = SupportRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
        if locked_request.status == SupportRequest.Status.WITHDRAWN:
            raise ValidationError(_("This request was withdrawn. You cannot propose a support family for it."))
        if locked_request.matches.filter(state__in=OPEN_STATES).exists():
            raise ValidationError(
                _("This family already has a support family, or one is proposed. Stop that match first.")
            )
        # The support family would learn about the child: not without the consent (youth/consent.py).
        consent_require(locked_request.case.young_person)
        Volunteer.objects.select_for_update(of=("self",)).only("pk").get(pk=volunteer.pk)
        # Read after the lock, so capacity, status and screening are as they are now.
        family = with_readiness_data(Volunteer.objects.filter(pk=volunteer.pk)).get()
        name = str(family)
        if not any(role.kind == VolunteerKind.SUPPORT_FAMILY for role in family.roles.all()):
            raise ValidationError(_("%(name)s is not registered as a support family.") % {"name": name})
        readiness = volunteer_readiness(family)
        if not readiness.matchable:
            raise ValidationError(
                _("%(name)s cannot be matched yet. %(reasons)s")
                % {"name": name, "reasons": " ".join(readiness.reasons)}
            )
        taken = SupportFamilyMatch.objects.filter(volunteer=family, state__in=OPEN_STATES).count()
        if taken >= family.capacity:
            raise ValidationError(
                _("%(name)s has no place left for another family. Choose another support family.") % {"name": name}
            )
        match = SupportFamilyMatch.objects.create(request=locked_request, volunteer=family, trial_weeks=trial_weeks)
        locked_request.status = SupportRequest.Status.MATCHED
        locked_request.save(update_fields=["status"])
        people = match_party_users(match)
        notify(
            [*people[Party.PARENT], *people[Party.SUPPORT_FAMILY]],
            notice=MOVE_NOTICES[State.PROPOSED],
            path=reverse("hostfamilies:match_detail", args=[match.pk]),
        )
    return match


def match_move(
    *,
    actor: User,
    match: SupportFamilyMatch,
    move: str,
    reason: str = "",
    outcome: str = "",
    approved_proposal: Proposal | None = None,
) -> SupportFamilyMatch:
    """Make one move of the table in hostfamilies/states.py and return the match as it is now.

    PermissionDenied when the actor takes no part in the match through a party the move allows (the introduction
    is also made by the approver of the proposal round that started the match: `approved_proposal`, see
    `_round_approved`); ValidationError
    when the move cannot be made from the current state (the message names the state), when this yes was already
    recorded, or when a reason (stop, end) or outcome (end) is missing.

    Dates: the trial period ends `trial_weeks` after it starts; `started_on` is the day the match becomes active;
    `ended_on` the day it ends or stops. The request stays matched while the match is open and after it ended,
    and waits again for a support family after a stop.

    A yes (family_yes, host_yes) needs all three introduction visits recorded (`match_introduction_record`).
    Approving, starting the trial and activating need the consent to keep and share (youth/consent.py).
    Activating (trial → active) needs an agreement version in force (agreed by both families) and plans the first
    review, six months after the start, with its reminder. A match that ends or stops loses its planned review.
    The other parties get a notice (accounts.notify, after commit) when the match reaches a new step.

    Races: two parties could move the same match at once (a yes and a stop, or both families' yes), so the match
    row is locked (select_for_update) and the state read again before anything is decided.
    """
    step = MOVES.get(move)
    if step is None:
        raise ValidationError(_("This step does not exist."))
    reason = reason.strip()
    with transaction.atomic():
        locked = (
            SupportFamilyMatch.objects.select_for_update(of=("self",))
            .select_related("request__case", "volunteer")
            .get(pk=match.pk)
        )
        by_round = step.name in ROUND_MOVES and _round_approved(
            actor, locked.request, locked.volunteer_id, approved_proposal
        )
        if not match_parties(actor, locked) & step.parties and not by_round:
            raise PermissionDenied(_("You may not do this for this match."))
        if locked.state not in step.sources:
            raise ValidationError(
                _("This is not possible now: %(move)s. The match is at this step: %(state)s.")
                % {"move": step.label, "state": locked.get_state_display()}
            )
        if step.needs_reason and not reason:
            raise ValidationError({"reason": _("Write down why, in a few words.")})
        if (step.needs_outcome or outcome) and outcome not in SupportFamilyMatch.Outcome.values:
            raise ValidationError({"outcome": _("Choose how it went: were the goals reached?")})
        # Read under the match's lock, which match_introduction_record takes too.
        if step.records_yes and not locked.visits_recorded:
            raise ValidationError(
                _(
                    "The introduction visits must be recorded first: the visit to each family and the meeting of "
                    "the two families."
                )
            )
        # Read under the match's lock; a version once in force never stops being in force, so this cannot go stale.
        if step.target == State.ACTIVE and not agreement_in_force_exists(locked):
            raise ValidationError(_("Make the agreements first and let both families agree."))
        # Approving, starting the trial and going on after it start the match: not without the consent to keep and
        # to share what the support family needs (youth/consent.py). Stopping and ending stay possible.
        if step.target in (State.APPROVED, State.TRIAL, State.ACTIVE):
            consent_require(locked.request.case.young_person)
        before = locked.state
        now = timezone.now()
        today = timezone.localdate()
        if step.records_yes == "family":
            if locked.family_yes_at is not None:
                raise ValidationError(_("The family's yes is already recorded."))
            locked.family_yes_at, locked.family_yes_by = now, actor
        elif step.records_yes == "host":
            if locked.host_yes_at is not None:
                raise ValidationError(_("The support family's yes is already recorded."))
            locked.host_yes_at = now
        # A yes only moves the match on once the other family said yes too.
        if step.records_yes is None or (locked.family_yes_at and locked.host_yes_at):
            locked.state = step.target
        if step.target == State.APPROVED:
            locked.approved_by = actor
        elif step.target == State.TRIAL:
            locked.trial_ends_on = today + timedelta(weeks=locked.trial_weeks)
        elif step.target == State.ACTIVE:
            locked.started_on = today
        elif step.target in (State.ENDED, State.STOPPED):
            locked.ended_on, locked.ended_by, locked.end_reason = today, actor, reason
            locked.outcome = outcome
        locked.save()
        conversations_follow_match(match=locked, case_id=locked.request.case_id)
        if locked.state == State.ACTIVE and before != State.ACTIVE:
            _review_plan(locked, due_on=_add_months(today, REVIEW_EVERY_MONTHS))
        elif locked.state in FINISHED_STATES:
            # A review that will not be held holds nothing worth keeping; deleting it also makes its reminder a no-op.
            MatchReview.objects.filter(match=locked, held_on__isnull=True).delete()
        if locked.state != before:
            _notify_move(actor, locked, step)
        if step.target == State.STOPPED:
            # The family still needs support: the request goes back on the waiting list (unless withdrawn).
            SupportRequest.objects.filter(pk=locked.request_id, status=SupportRequest.Status.MATCHED).update(
                status=SupportRequest.Status.WAITING
            )
            if locked.request.status == SupportRequest.Status.MATCHED:
                locked.request.status = SupportRequest.Status.WAITING
    return locked


def match_introduction_record(*, actor: User, match: SupportFamilyMatch, visit: str, on: date) -> SupportFamilyMatch:
    """Record the day of one introduction visit (`states.Visit`: the coordinator's visit to the family, to the
    support family, or the meeting of the two families) and who recorded it; return the match as it is now.
    Recording a visit again corrects its date.

    PermissionDenied for anyone but a coordinator of the request's organisation (VISIT_RECORDERS); ValidationError
    for an unknown visit, a match that is not at the introduction step, or a date in the future or before the day
    the match was proposed (on the field "on"). When the last of the three is recorded, both families hear that
    they can say yes.

    Races: a yes is only recorded once all visits are (match_move reads them under the match's row lock), so the
    match row is locked here too (select_for_update) and its state read again before anything is written.
    """
    if visit not in VISIT_FIELDS:
        raise ValidationError(_("This visit does not exist."))
    on_field, by_field = VISIT_FIELDS[visit]
    with transaction.atomic():
        locked = (
            SupportFamilyMatch.objects.select_for_update(of=("self",))
            .select_related("request__case", "volunteer")
            .get(pk=match.pk)
        )
        if not match_parties(actor, locked) & VISIT_RECORDERS:
            raise PermissionDenied(_("Only a coordinator of the organisation that handles this request can do this."))
        if locked.state != State.INTRODUCTION:
            raise ValidationError(
                _("Visits are recorded during the introduction visits. The match is at this step: %(state)s.")
                % {"state": locked.get_state_display()}
            )
        proposed_on = timezone.localdate(locked.created_at)
        if on > timezone.localdate():
            raise ValidationError({"on": _("This date is in the future.")})
        if on < proposed_on:
            raise ValidationError(
                {
                    "on": _("The match was proposed on %(date)s. Choose that day or a later one.")
                    % {"date": formats.date_format(proposed_on)}
                }
            )
        was_complete = locked.visits_recorded
        setattr(locked, on_field, on)
        setattr(locked, by_field, actor)
        locked.save(update_fields=[on_field, by_field, "updated_at"])
        if locked.visits_recorded and not was_complete:
            people = match_party_users(locked)
            notify(
                [*people[Party.PARENT], *people[Party.SUPPORT_FAMILY]],
                notice=gettext_lazy(
                    "The introduction visits are done. Both families can now say if they want to go on."
                ),
                path=_match_path(locked),
            )
    return locked


# --- The match's agreement and its reviews ---------------------------------------------------------------------

REVIEW_EVERY_MONTHS = 6
REVIEW_REMINDER_BEFORE = timedelta(weeks=2)

# Sent to the other parties when a match reaches a step; one short sentence, no names (accounts.notify).
MOVE_NOTICES = {
    State.PROPOSED: gettext_lazy(
        "A support family was proposed for a family. You can read about the match in Dichtbij."
    ),
    State.BOTH_YES: gettext_lazy("Both families said yes to a support-family match."),
    State.APPROVED: gettext_lazy("A support-family match was approved."),
    State.TRIAL: gettext_lazy("The trial period of a support-family match has started."),
    State.ACTIVE: gettext_lazy("A support-family match continues after the trial period."),
    State.ENDED: gettext_lazy("A support-family match has ended."),
    State.STOPPED: gettext_lazy("A support-family match was stopped."),
}


def _add_months(day: date, months: int) -> date:
    """The same day `months` later; the last day of that month when it is shorter (31 August + 6 → 28 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _match_path(match: SupportFamilyMatch) -> str:
    return reverse("hostfamilies:match_detail", args=[match.pk])


def _notify_move(actor: User, match: SupportFamilyMatch, step: Move) -> None:
    notice = MOVE_NOTICES.get(State(match.state))
    if notice is None:
        return
    people = match_party_users(match)
    notify(
        [user for users in people.values() for user in users if user.pk != actor.pk],
        notice=notice,
        path=_match_path(match),
    )


def _review_plan(match: SupportFamilyMatch, *, due_on: date) -> MatchReview:
    """Plan the match's next review and schedule its reminder, in the caller's transaction (the task row is in the
    same database, so a rolled-back plan leaves no reminder behind)."""
    # tasks.py imports this module to run the work: imported at call time to break the cycle.
    from hostfamilies.tasks import match_review_reminder

    review = MatchReview.objects.create(match=match, due_on=due_on)
    remind_at = timezone.make_aware(datetime.combine(due_on - REVIEW_REMINDER_BEFORE, time(9)))
    match_review_reminder.using(run_after=max(remind_at, timezone.now())).enqueue(review.pk)
    return review


def _signatories(match: SupportFamilyMatch) -> list[tuple[User, str]]:
    """Who must agree to the match's agreements: each parent or guardian with custody, and the support family."""
    people = match_party_users(match)
    parents: list[tuple[User, str]] = [(user, SignatoryParty.PARENT) for user in people[Party.PARENT]]
    return parents + [(user, SignatoryParty.SUPPORT_FAMILY) for user in people[Party.SUPPORT_FAMILY]]


def match_agreement_propose(
    *, actor: User, match: SupportFamilyMatch, sections: dict[str, str], change_note: str = ""
) -> AgreementVersion:
    """Propose a (new) version of the match's agreements (schedule, house rules, who to call).

    Once the match is approved, in its trial period or running: the first version is written by a coordinator or
    the case's professional; after that any party may propose a change. Every version must be agreed again by each
    parent with custody and by the support family; the version in force stays in force until then. The parties
    who must agree get a notice.

    Races: the match row is locked (select_for_update), so a stop or an end cannot slip in between the state check
    and the new version, and two first proposals cannot both pass the "first version" rule; numbering versions is
    guarded in `agreements.services.agreementversion_propose` by the agreement's row lock.
    """
    with transaction.atomic():
        locked = (
            SupportFamilyMatch.objects.select_for_update(of=("self",))
            .select_related("request__case", "volunteer__user")
            .get(pk=match.pk)
        )
        parties = match_parties(actor, locked)
        if not parties:
            raise PermissionDenied(_("You may not do this for this match."))
        if locked.state not in AGREEMENT_STATES:
            raise ValidationError(
                _("Agreements are made once the match is approved. The match is at this step: %(state)s.")
                % {"state": locked.get_state_display()}
            )
        agreement = agreement_of(locked)
        if not match_agreement_may_propose(parties, locked.state, has_agreement=agreement is not None):
            raise PermissionDenied(_("The coordinator or the professional writes the first agreements."))
        signatories = _signatories(locked)
        version = agreementversion_propose(
            agreement=agreement,
            agreement_subject=locked,
            kind=Agreement.Kind.SUPPORT_FAMILY,
            proposed_by=actor,
            sections=sections,
            change_note=change_note,
            signatories=signatories,
        )
        notify(
            [user for user, _party in signatories if user.pk != actor.pk],
            notice=gettext_lazy("New agreements for a support-family match are waiting for your yes."),
            path=_match_path(locked),
        )
    return version


def match_agreement_agree(*, actor: User, match: SupportFamilyMatch, version: AgreementVersion) -> AgreementVersion:
    """`actor` agrees to `version` of the match's agreements; returns it (with `in_force_at` once all agreed).

    PermissionDenied when the version is not this match's or the actor is not asked to agree; ValidationError when
    the match is finished, or (from agreements.services) the version was replaced by a newer one or already agreed.
    When this was the last yes, the coordinators and the professional hear that the agreements are in force.

    Races: setting `in_force_at` exactly once is guarded in `agreements.services.agreementversion_agree` by the
    agreement's row lock; the match row is locked first (always in this order: match, then agreement) so a stop
    cannot happen in between.
    """
    with transaction.atomic():
        locked = (
            SupportFamilyMatch.objects.select_for_update(of=("self",))
            .select_related("request__case", "volunteer__user")
            .get(pk=match.pk)
        )
        agreement = agreement_of(locked)
        if agreement is None or version.agreement_id != agreement.pk:
            raise PermissionDenied(_("These agreements do not belong to this match."))
        if locked.state not in AGREEMENT_STATES:
            raise ValidationError(_("This match has ended. Its agreements can no longer be changed."))
        agreed = agreementversion_agree(version=version, user=actor)
        if agreed.in_force_at is not None:
            people = match_party_users(locked)
            notify(
                [user for users in people.values() for user in users if user.pk != actor.pk],
                notice=gettext_lazy("Everyone agreed: the new agreements of a support-family match are in force."),
                path=_match_path(locked),
            )
    return agreed


def matchreview_record(
    *,
    actor: User,
    match: SupportFamilyMatch,
    held_on: date,
    family_view: str,
    host_view: str,
    agreed_next: str,
) -> MatchReview:
    """Record the review held with both families (by a coordinator or the case's professional) and plan the next
    one six months after it, with its reminder.

    Refused: a match that is not running, a date in the future or before the match started, an empty view or
    agreement, or a date on or before a review already recorded (which also stops a form sent twice from filling
    in the next planned review too).

    Races: two people could record the same review at once; the match row is locked (select_for_update) first, so
    the second one sees the first one's review and is refused by the date rule. The partial unique constraint
    "one planned review per match" backs this up.
    """
    texts = {"family_view": family_view.strip(), "host_view": host_view.strip(), "agreed_next": agreed_next.strip()}
    today = timezone.localdate()
    with transaction.atomic():
        locked = (
            SupportFamilyMatch.objects.select_for_update(of=("self",))
            .select_related("request__case", "volunteer__user")
            .get(pk=match.pk)
        )
        if not match_parties(actor, locked) & REVIEWERS:
            raise PermissionDenied(_("Only the coordinator or the professional records a review."))
        if locked.state != State.ACTIVE:
            raise ValidationError(_("A review is recorded while the match is running."))
        errors: dict[str, str] = {
            name: _("Write down what was said, in a few words.") for name, text in texts.items() if not text
        }
        if held_on > today:
            errors["held_on"] = _("This date is in the future.")
        elif locked.started_on and held_on < locked.started_on:
            errors["held_on"] = _("The match started on %(date)s. Choose a date after that.") % {
                "date": locked.started_on.strftime("%d-%m-%Y")
            }
        elif locked.reviews.filter(held_on__gte=held_on).exists():
            errors["held_on"] = _("A review on this date or later is already recorded.")
        if errors:
            raise ValidationError(errors)
        review = MatchReview.objects.select_for_update().filter(match=locked, held_on__isnull=True).first()
        if review is None:
            review = MatchReview(match=locked, due_on=held_on)
        review.held_on, review.recorded_by = held_on, actor
        review.family_view, review.host_view, review.agreed_next = (
            texts["family_view"],
            texts["host_view"],
            texts["agreed_next"],
        )
        review.save()
        _review_plan(locked, due_on=_add_months(held_on, REVIEW_EVERY_MONTHS))
    return review


def matchreview_remind(*, review_id: int) -> bool:
    """Tell the coordinators and both families that a review is due in two weeks; returns whether it did.

    Does nothing when the review is gone (the match ended or stopped), was held already, or was reminded already,
    or when the match is not running: so the task may run more than once. Races: the review row is locked
    (select_for_update) while `reminder_sent_on` is checked and set, so two workers send it once.
    """
    with transaction.atomic():
        review = (
            MatchReview.objects.select_for_update(of=("self",))
            .select_related("match__request__case", "match__volunteer__user")
            .filter(pk=review_id)
            .first()
        )
        if review is None or review.held_on is not None or review.reminder_sent_on is not None:
            return False
        if review.match.state != State.ACTIVE:
            return False
        people = match_party_users(review.match)
        notify(
            [*people[Party.COORDINATOR], *people[Party.PARENT], *people[Party.SUPPORT_FAMILY]],
            notice=gettext_lazy(
                "A review of a support-family match with both families is due in two weeks. Plan it now."
            ),
            path=_match_path(review.match),
        )
        review.reminder_sent_on = timezone.localdate()
        review.save(update_fields=["reminder_sent_on"])
    return True
