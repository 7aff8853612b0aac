"""Writes of the social broker's work: asking for a broker, linking one, ending a request, and the referrals
(verbindingen) the broker records and follows up.

Races: linking locks the request row (two coordinators cannot link two brokers), and a move locks the referral row
(two clicks make one move); one open request per case is a constraint.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.notify import notify
from community.brokers.selectors import (
    broker_can_take,
    broker_pool_organisation_ids,
    brokerrequest_writable_by,
    end_reasons_for,
    referral_may_record,
    referral_writable_by,
)
from community.models import FOLLOW_UP_AFTER, BrokerRequest, Referral, Resource
from community.states import MOVES, moves_from
from messaging.services.membership import conversations_follow_brokerrequest
from volunteers.models import Volunteer
from youth.consent import consent_require
from youth.models import Case
from youth.parties import STAFF_PARTS, coordinates, is_custodial_parent, parties_of
from youth.selectors import case_writable_by

if TYPE_CHECKING:  # matching calls brokerrequest_link from a proposal round; only the type is read from it
    from matching.models import Proposal


def _check_length(text: str, limit: int) -> None:
    if len(text) > limit:
        raise ValidationError(
            _("Use at most %(limit)s characters (now %(count)s).") % {"limit": limit, "count": len(text)}
        )


def brokerrequest_ask(*, user: User, case: Case, purpose: str) -> BrokerRequest:
    """A professional on the case (or a coordinator of its organisation) asks for a social broker. `purpose` is
    what for, in plain words. Refused when the case is closed or already has an open request."""
    if not case_writable_by(user).filter(pk=case.pk).exists():
        raise PermissionDenied
    text = purpose.strip()
    if not text:
        raise ValidationError(_("Say in a few words what the broker should help with."))
    _check_length(text, 1000)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if not locked.is_open:
            raise ValidationError(_("This case is closed, so you cannot ask for a broker."))
        if BrokerRequest.objects.filter(case=locked, ended_on__isnull=True).exists():
            raise ValidationError(_("This case already has an open request for a social broker."))
        return BrokerRequest.objects.create(case=locked, asked_by=user, purpose=text, asked_on=timezone.localdate())


def brokerrequest_link(
    *, user: User, request: BrokerRequest, broker: Volunteer, approved_proposal: Proposal | None = None
) -> BrokerRequest:
    """A coordinator of the case's organisation links a matchable social broker of the team's pool (one of
    `broker_candidates`) while the consent to keep and share is complete (youth/consent.py). Or, with
    `approved_proposal`, whoever approves a proposal round of this request for this broker
    (matching.services.proposal_approve, which holds the proposal's row lock and checked it was accepted) links
    them: the round's approval by a coordinator of the case's organisation or the case's professional is the
    authority, and the pool is the one the round could propose from (`broker_pool_organisation_ids`). Locks the
    request row, so two coordinators cannot link two brokers, and then the broker's row, so two links at once
    cannot both take the broker's last place."""
    pool_of: User | None = user
    if approved_proposal is None:
        if not coordinates(user, request.case.organisation_id):
            raise PermissionDenied
    else:
        of_this_round = (
            approved_proposal.broker_request_id == request.pk and approved_proposal.volunteer_id == broker.pk
        )
        if not of_this_round or not parties_of(user, request.case, among=STAFF_PARTS):
            raise PermissionDenied
        pool_of = None
    with transaction.atomic():
        locked = BrokerRequest.objects.select_for_update().select_related("case").get(pk=request.pk)
        if not locked.is_open:
            raise ValidationError(_("This request has ended."))
        if locked.broker_id is not None:
            raise ValidationError(_("A broker is already linked to this request."))
        # The broker would learn about the family: not without the consent (youth/consent.py).
        consent_require(locked.case.young_person)
        Volunteer.objects.select_for_update().filter(pk=broker.pk).first()
        if pool_of is None and broker.organisation_id not in broker_pool_organisation_ids(locked, None):
            # The round's broker is of an organisation that no coordinator of the case's organisation coordinates.
            raise ValidationError(
                _("No coordinator can link this social broker to this family. A coordinator of both is needed.")
            )
        if not broker_can_take(locked, broker, pool_of):
            raise ValidationError(
                _("This volunteer cannot be linked: they are not a ready social broker of this organisation.")
            )
        locked.broker = broker
        locked.linked_on = timezone.localdate()
        locked.save(update_fields=["broker", "linked_on"])
        _conversation_follow(locked)
    return locked


def _conversation_follow(request: BrokerRequest) -> None:
    # The family talks with the broker in a conversation that follows the request (messaging derives who is in it).
    conversations_follow_brokerrequest(request=request, born=request.case.young_person.date_of_birth)


def brokerrequest_end(*, user: User, request: BrokerRequest, reason: str) -> BrokerRequest:
    """The case's professional or a coordinator closes the request, with a reason (`BrokerRequest.EndReason`,
    not "case closed": that is `brokerrequests_end_for_case`). Open referrals stay as they are, read-only."""
    if not brokerrequest_writable_by(user).filter(pk=request.pk).exists():
        raise PermissionDenied
    if reason not in BrokerRequest.EndReason.values or reason == BrokerRequest.EndReason.CASE_CLOSED:
        raise ValidationError(_("Choose why the request ends."))
    with transaction.atomic():
        locked = BrokerRequest.objects.select_for_update().get(pk=request.pk)
        if not locked.is_open:
            raise ValidationError(_("This request has already ended."))
        if reason not in end_reasons_for(locked):
            raise ValidationError(
                _("A broker is linked, so no broker found is not the reason.")
                if locked.broker_id
                else _("No broker was linked, so the family cannot be connected yet.")
            )
        locked.ended_on = timezone.localdate()
        locked.end_reason = reason
        locked.save(update_fields=["ended_on", "end_reason"])
        _conversation_follow(locked)
    return locked


def brokerrequests_end_for_case(*, case: Case) -> int:
    """End the open request of a case that closes (reason "case closed"), and make its conversation read-only;
    returns how many ended. Locks the open requests, so a link at the same moment waits and then finds it ended."""
    with transaction.atomic():
        ended = list(BrokerRequest.objects.select_for_update().filter(case=case, ended_on__isnull=True))
        for request in ended:
            request.ended_on = case.closed_on or timezone.localdate()
            request.end_reason = BrokerRequest.EndReason.CASE_CLOSED
            request.save(update_fields=["ended_on", "end_reason"])
            _conversation_follow(request)
    return len(ended)


def referral_record(
    *, user: User, request: BrokerRequest, resource: Resource, for_whom: str, parent: User | None = None
) -> Referral:
    """The linked broker records a referral to a sociale-kaart entry for the young person or for a custodial
    parent of the case's young person, while the consent to keep and share is complete (youth/consent.py).
    Starts as "proposed to the family"."""
    if not referral_may_record(user, request):
        raise PermissionDenied
    if for_whom not in Referral.For.values:
        raise ValidationError(_("Choose for whom the referral is."))
    # A new referral is a new link: not while the consent is not complete (youth/consent.py).
    consent_require(request.case.young_person)
    if for_whom == Referral.For.PARENT:
        if parent is None or not is_custodial_parent(parent, request.case.young_person_id):
            raise ValidationError(_("Choose a parent of this young person."))
    else:
        parent = None
    return Referral.objects.create(
        request=request, resource=resource, for_whom=for_whom, parent=parent, created_on=timezone.localdate()
    )


def referral_move(
    *, user: User, referral: Referral, move: str, on: date | None = None, answer: str = "", reason: str = ""
) -> Referral:
    """The linked broker makes one move of the table in community/states.py: "agree" and "contact" with a date,
    "decline" with a reason, the follow-ups with an answer (yes / no / stopped) and a reason for no or stopped.
    A move that the table does not allow from the current state is refused with a message, nothing changed.
    Locks the referral row, so two clicks make one move."""
    if not referral_writable_by(user).filter(pk=referral.pk).exists():
        raise PermissionDenied
    step = MOVES.get(move)
    if step is None:
        raise ValidationError(_("This step does not exist."))
    today = timezone.localdate()
    reason = reason.strip()
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if locked.state not in step.sources:
            raise ValidationError(
                _("You cannot do this step now: the referral is at this step: %(state)s.")
                % {"state": locked.get_state_display()}
            )
        key = "" if set(step.targets) == {""} else answer
        if key not in step.targets:
            raise ValidationError(_("Choose an answer: yes, no or stopped."))
        if key in step.reason_for and not reason:
            raise ValidationError(_("Give a reason."))
        _check_length(reason, 300)
        if step.needs_date:
            if on is None:
                raise ValidationError(_("Give the date."))
            if on > today:
                raise ValidationError(_("The date cannot be in the future."))
        if move == "agree":
            locked.agreed_on = on
        elif move == "decline":
            locked.declined_reason = reason
        elif move == "contact":
            if locked.agreed_on and on and on < locked.agreed_on:
                raise ValidationError(_("The first contact cannot be before the family agreed."))
            locked.first_contact_on = on
        elif move == "follow_up_4_weeks":
            locked.week4, locked.week4_reason, locked.week4_on = answer, reason, today
        else:
            locked.month3, locked.month3_reason, locked.month3_on = answer, reason, today
        locked.state = step.targets[key]
        locked.save()
        for follow_up in moves_from(locked.state):
            if follow_up.name in FOLLOW_UP_AFTER:
                _follow_up_schedule_reminder(locked, follow_up.name)
    return locked


# Which field says that the broker was reminded of a follow-up.
REMINDED_FIELD = {"follow_up_4_weeks": "week4_reminded_on", "follow_up_3_months": "month3_reminded_on"}
FOLLOW_UP_NOTICE = {
    "follow_up_4_weeks": gettext_lazy(
        "A referral has been running for 4 weeks. Ask the family whether they still take part, and write it down."
    ),
    "follow_up_3_months": gettext_lazy(
        "A referral has been running for 3 months. Ask the family whether they still take part, and write it down."
    ),
}


def _follow_up_schedule_reminder(referral: Referral, follow_up: str) -> None:
    """Plan the reminder for the day the follow-up is due (at 9 o'clock; at once when that has passed), in the
    caller's transaction: the task row is in the same database, so a rolled-back move leaves no reminder."""
    # tasks.py imports this module to run the work: imported at call time to break the cycle.
    from community.tasks import referral_follow_up_reminder

    due_on = referral.follow_up_due_on(follow_up)
    if due_on is None:
        return
    remind_at = timezone.make_aware(datetime.combine(due_on, time(9)))
    referral_follow_up_reminder.using(run_after=max(remind_at, timezone.now())).enqueue(referral.pk, follow_up)


def referral_follow_up_remind(*, referral_id: int, follow_up: str) -> bool:
    """Tell the linked broker that a follow-up of a referral is due and not yet written down; returns whether it did.

    Does nothing when the referral is gone, the follow-up is not the next step (it was recorded, or the family
    declined or stopped), the request has ended, the day has not come, or the broker was reminded already: so the
    task may run more than once. The notice names no one (see accounts.notify); the link leads to the referral.
    Races: the referral row is locked while the reminder date is checked and set, so two runs send one notice.
    """
    field = REMINDED_FIELD.get(follow_up)
    if field is None:
        return False
    today = timezone.localdate()
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update(of=("self",))
            .select_related("request__broker__user")
            .filter(pk=referral_id)
            .first()
        )
        if referral is None or getattr(referral, field) is not None:
            return False
        request = referral.request
        due_on = referral.follow_up_due_on(follow_up)
        if referral.state not in MOVES[follow_up].sources or not request.is_open or request.broker is None:
            return False
        if due_on is None or today < due_on:
            return False
        notify(
            [request.broker.user],
            notice=FOLLOW_UP_NOTICE[follow_up],
            path=reverse("community:referral_detail", args=[referral.pk]),
        )
        setattr(referral, field, today)
        referral.save(update_fields=[field])
    return True
