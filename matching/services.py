"""Writes of proposal rounds: from the engine's proposals to a support-family match that starts its introduction,
to a buddy mentorship that starts at the mandate, or to a social broker linked to a family. A round is for a
family's support request (support families), a young person's request for a buddy (buddies; plus-buddies from 16)
or a case's request for a social broker (brokers of the team's pool); the same functions serve all three
(matching.selectors.RoundRequest).

suggested (the engine, seen by the coordinator and the professional) → shown (three at a time, to the family) →
the family chooses one (asked: the volunteer is asked) and the others are not chosen, or asks for others (all
not chosen) → the volunteer accepts or declines with a reason → the coordinator or the case professional
approves, which creates the SupportFamilyMatch (hostfamilies.services.match_propose) and starts its introduction
visits, creates the buddy Mentorship (mentors.services.mentorship_start_buddy), or links the broker
(community.brokers.services.brokerrequest_link). The coordinator can exclude a suggested or shown proposal, with a
reason.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.notify import notify
from community.brokers.selectors import broker_pool_organisation_ids
from community.brokers.services import brokerrequest_link
from community.models import BrokerRequest
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.services import match_move, match_propose
from matching.engine import Proposal as EngineProposal
from matching.features import (
    buddy_organisation_ids,
    proposals_for_broker_request,
    proposals_for_buddy_request,
    proposals_for_support_request,
)
from matching.model import load_current
from matching.models import OPEN_STATUSES, Proposal, ProposalStatus, WaitingListPlan
from matching.selectors import (
    BROKER,
    BUDDY,
    SUPPORT,
    AnyRequest,
    RoundRequest,
    as_round,
    proposal_choosable_by,
    proposal_is_coordinator,
    proposal_is_staff,
    proposal_writable_by,
    request_people,
    round_of,
    waiting_list_fingerprint,
    waiting_list_fingerprints,
    waiting_list_plan_is_current,
    waiting_list_plan_result,
    waiting_list_plan_stored,
)
from mentors.models import Mentorship
from mentors.services import mentorship_start_buddy
from volunteers.models import Volunteer
from youth.consent import consent_require
from youth.models import BuddyRequest
from youth.network.services import buddyrequest_matched

# How many proposals the family sees at once.
SHOWN_AT_ONCE = 3
# How many suggestions the engine makes per round.
SUGGESTIONS = 10
RULES_VERSION = "rules-1"

# Notices carry no names or details (accounts.notify); the link shows the rest to those allowed to see it.
NOTICE_SHOWN = gettext_lazy("There are support families to choose from. Have a look and choose one.")
NOTICE_CHOSEN = gettext_lazy("A family would like you as their support family. Please say yes or no.")
NOTICE_FAMILY_CHOSE = gettext_lazy("A family chose a support family. The support family is asked now.")
NOTICE_OTHERS = gettext_lazy("A family asks to see other support families.")
NOTICE_ACCEPTED = gettext_lazy("A support family said yes to a family. The match can be approved now.")
NOTICE_DECLINED = gettext_lazy("The support family that was chosen said no. You will get new proposals.")
NOTICE_APPROVED = gettext_lazy("A support-family match was approved. The introduction visits can start.")
NOTICE_APPROVED_BUDDY = gettext_lazy("A buddy was approved. Now the parents and the young person give their yes.")
NOTICE_APPROVED_BROKER = gettext_lazy("A social broker was linked to a family. The broker gets in touch soon.")
# The same notices in the words of each kind of round, by name.
NOTICES: dict[str, dict[str, Promise]] = {
    "shown": {
        SUPPORT: NOTICE_SHOWN,
        BUDDY: gettext_lazy("There are buddies to choose from. Have a look and choose one."),
        BROKER: gettext_lazy("There are social brokers to choose from. Have a look and choose one."),
    },
    "chosen": {
        SUPPORT: NOTICE_CHOSEN,
        BUDDY: gettext_lazy("A young person would like you as their buddy. Please say yes or no."),
        BROKER: gettext_lazy("A family would like you as their social broker. Please say yes or no."),
    },
    "family_chose": {
        SUPPORT: NOTICE_FAMILY_CHOSE,
        BUDDY: gettext_lazy("A young person chose a buddy. The buddy is asked now."),
        BROKER: gettext_lazy("A family chose a social broker. The broker is asked now."),
    },
    "others": {
        SUPPORT: NOTICE_OTHERS,
        BUDDY: gettext_lazy("A young person asks to see other buddies."),
        BROKER: gettext_lazy("A family asks to see other social brokers."),
    },
    "accepted": {
        SUPPORT: NOTICE_ACCEPTED,
        BUDDY: gettext_lazy("A buddy said yes to a young person. The match can be approved now."),
        BROKER: gettext_lazy("A social broker said yes to a family. The link can be approved now."),
    },
    "declined": {
        SUPPORT: NOTICE_DECLINED,
        BUDDY: gettext_lazy("The buddy that was chosen said no. You will get new proposals."),
        BROKER: gettext_lazy("The social broker that was chosen said no. You will get new proposals."),
    },
}


def _notice(found: RoundRequest, name: str) -> Promise:
    """The notice in the words of the round: support family, buddy or social broker."""
    return NOTICES[name][found.kind]


def engine_version() -> str:
    """Which scoring made the proposals: the rules alone, or the rules with a fit model version."""
    fit = load_current()
    return RULES_VERSION if fit is None else f"{RULES_VERSION}+model-{fit.version}"[:40]


def _lock_request(found: RoundRequest) -> RoundRequest:
    """The request's row, locked (select_for_update), read again with its case and young person."""
    locked = (
        found.model.objects.select_for_update(of=("self",))
        .select_related("case__young_person", "case__organisation")
        .get(pk=found.pk)
    )
    return RoundRequest(locked)


def _locked_waiting_request(found: RoundRequest) -> RoundRequest:
    locked = _lock_request(found)
    if not locked.is_waiting:
        if locked.is_buddy:
            raise ValidationError(_("This young person is not waiting for a buddy now."))
        if locked.is_broker:
            raise ValidationError(_("This family is not waiting for a social broker now."))
        raise ValidationError(_("This family is not waiting for a support family now."))
    return locked


def _engine_proposals(found: RoundRequest, actor: User) -> list[EngineProposal]:
    """The engine's best SUGGESTIONS for the request: support families of the request's organisation; buddies
    (and plus-buddies from 16) of the case's organisation and of the volunteer organisations serving the young
    person's municipality (matching.features.buddy_organisation_ids); or social brokers of the team's pool as the
    coordinator sees it (community.brokers.selectors.broker_pool_organisation_ids)."""
    if isinstance(found.request, BuddyRequest):
        return proposals_for_buddy_request(
            found.request, organisation_id=buddy_organisation_ids(found.request), k=SUGGESTIONS
        )
    if isinstance(found.request, BrokerRequest):
        return proposals_for_broker_request(
            found.request, organisation_id=broker_pool_organisation_ids(found.request, actor), k=SUGGESTIONS
        )
    return proposals_for_support_request(found.request, k=SUGGESTIONS)


def _refuse_unless_coordinator(actor: User, found: RoundRequest) -> None:
    if not proposal_is_coordinator(actor, found):
        raise PermissionDenied(_("Only a coordinator of the organisation that handles this request can do this."))


def proposal_round_suggest(*, actor: User, support_request: AnyRequest | RoundRequest) -> list[Proposal]:
    """A coordinator of the request's organisation asks the engine for new suggestions. Suggestions nobody but the
    coordinator and the professional has seen are replaced; volunteers already in a round of this request, or who
    said no to this family, are left out (matching.features.excluded_for_case, excluded_for_buddy and
    excluded_for_broker).

    Races: the request row is locked (select_for_update), so two coordinators do not make a round at once; the
    partial unique constraints on Proposal back it up."""
    found = as_round(support_request)
    _refuse_unless_coordinator(actor, found)
    with transaction.atomic():
        locked = _locked_waiting_request(found)
        locked.proposals().filter(status=ProposalStatus.SUGGESTED).delete()
        try:
            # The reasons are kept as written then, in the platform's language (Dutch): a snapshot, like the
            # scores. Factor labels are translated when shown, from their codes.
            with translation.override(settings.LANGUAGE_CODE):
                engine_found = _engine_proposals(locked, actor)
        except ValueError as error:
            if not isinstance(locked.request, SupportRequest):
                raise ValidationError(
                    _("The young person's place is unknown. Correct the place of the young person.")
                ) from error
            raise ValidationError(_("The family's place is unknown. Correct the place in the request.")) from error
        version = engine_version()
        created = Proposal.objects.bulk_create(
            Proposal(
                **{locked.field: locked.request},
                case_id=locked.case_id,
                volunteer_id=found_one.candidate_id,
                rank=rank,
                score=found_one.score,
                distance_km=found_one.distance_km,
                contributions=[
                    {"factor": c.factor, "label": c.label, "value": c.value, "weight": c.weight, "points": c.points}
                    for c in found_one.contributions
                ],
                reasons=list(found_one.reasons),
                engine_version=version,
            )
            for rank, found_one in enumerate(engine_found, start=1)
        )
    return created


def proposal_exclude(*, actor: User, proposal: Proposal, reason: str) -> Proposal:
    """A coordinator of the request's organisation takes a suggested or shown proposal out, with a reason (for
    example: "knows the family's neighbours"). The volunteer is not proposed for this request again.

    Races: the proposal row is locked and its status read again."""
    reason = reason.strip()
    _refuse_unless_coordinator(actor, round_of(proposal))
    if not reason:
        raise ValidationError({"reason": _("Write down why, in a few words.")})
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.status not in (ProposalStatus.SUGGESTED, ProposalStatus.SHOWN):
            raise ValidationError(_("This proposal can no longer be excluded."))
        locked.status, locked.reason, locked.decided_by = ProposalStatus.EXCLUDED, reason, actor
        locked.save(update_fields=["status", "reason", "decided_by", "updated_at"])
    return locked


def proposal_round_show(*, actor: User, support_request: AnyRequest | RoundRequest) -> list[Proposal]:
    """A coordinator shows the best SHOWN_AT_ONCE suggestions to the family, and the family hears of it.

    Refused while the family still has proposals to choose from, or one chosen on its way. A volunteer who already
    has settings.MATCHING_MAX_OPEN_PROPOSALS open proposals (shown, chosen or accepted, for any family or young
    person) is skipped.

    Races: two coordinators could show the same volunteer to two families at once. So the request row is locked,
    then each volunteer row in id order (select_for_update), and the volunteer's open proposals are counted under
    that lock."""
    found = as_round(support_request)
    _refuse_unless_coordinator(actor, found)
    with transaction.atomic():
        locked = _locked_waiting_request(found)
        if locked.proposals().filter(status__in=OPEN_STATUSES).exists():
            raise ValidationError(_("The family still has proposals to choose from, or one is on its way."))
        suggested = list(locked.proposals().filter(status=ProposalStatus.SUGGESTED).order_by("rank", "pk"))
        list(
            Volunteer.objects.select_for_update(of=("self",))
            .filter(pk__in=[p.volunteer_id for p in suggested])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        shown: list[Proposal] = []
        for proposal in suggested:
            if len(shown) == SHOWN_AT_ONCE:
                break
            open_count = Proposal.objects.filter(volunteer_id=proposal.volunteer_id, status__in=OPEN_STATUSES).count()
            if open_count >= settings.MATCHING_MAX_OPEN_PROPOSALS:
                continue
            proposal.status = ProposalStatus.SHOWN
            proposal.save(update_fields=["status", "updated_at"])
            shown.append(proposal)
        if not shown:
            raise ValidationError(_("There are no suggestions to show. Look for new proposals first."))
        notify(request_people(locked)["family"], notice=_notice(locked, "shown"), path=locked.path("choose"))
        _plan_changed(locked)
    return shown


def proposal_choose(*, actor: User, proposal: Proposal) -> Proposal:
    """The family (a custodial parent, or the young person from 12) chooses one of the proposals shown to them;
    the others shown are not chosen, and the volunteer is asked.

    Races: two parents could choose different ones at once, so the request row is locked first and the proposal's
    status read again under it."""
    if not proposal_choosable_by(actor).filter(pk=proposal.pk).exists():
        raise PermissionDenied(_("You may not choose for this family."))
    with transaction.atomic():
        locked_request = _lock_request(round_of(proposal))
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.status != ProposalStatus.SHOWN:
            raise ValidationError(_("This choice is no longer possible. Look at the page again."))
        locked_request.proposals().filter(status=ProposalStatus.SHOWN).exclude(pk=locked.pk).update(
            status=ProposalStatus.NOT_CHOSEN
        )
        locked.status, locked.decided_by = ProposalStatus.ASKED, actor
        locked.save(update_fields=["status", "decided_by", "updated_at"])
        volunteer_user = User.objects.filter(volunteer__pk=locked.volunteer_id)
        notify(
            volunteer_user,
            notice=_notice(locked_request, "chosen"),
            path=reverse("matching:ask", args=[locked.pk]),
        )
        people = request_people(locked_request)
        notify(
            [*people["coordinators"], *people["professionals"]],
            notice=_notice(locked_request, "family_chose"),
            path=locked_request.path(),
        )
        _plan_changed(locked_request)
    return locked


def proposal_ask_others(*, actor: User, support_request: AnyRequest | RoundRequest) -> int:
    """The family asks for other proposals: none of those shown is chosen, and the coordinators hear of it, so
    they can show the next ones. Returns how many were set aside. Under the request's row lock."""
    found = as_round(support_request)
    shown = proposal_choosable_by(actor).filter(**{f"{found.field}_id": found.pk})
    if not shown.exists():
        raise PermissionDenied(_("You may not choose for this family."))
    with transaction.atomic():
        locked = _lock_request(found)
        count = locked.proposals().filter(status=ProposalStatus.SHOWN).update(status=ProposalStatus.NOT_CHOSEN)
        notify(request_people(locked)["coordinators"], notice=_notice(locked, "others"), path=locked.path())
    return count


def proposal_answer(*, actor: User, proposal: Proposal, accept: bool, reason: str = "") -> Proposal:
    """The volunteer the family chose says yes or no; a no needs a reason, and the volunteer is never proposed to
    this family again (the constraints "proposal_declined_never_again" and "proposal_buddy_declined_never_again").
    Under the proposal's row lock."""
    reason = reason.strip()
    if not proposal_writable_by(actor).filter(pk=proposal.pk, volunteer__user_id=actor.pk).exists():
        raise PermissionDenied(_("You may not answer this question."))
    if not accept and not reason:
        raise ValidationError({"reason": _("Write down why, in a few words.")})
    with transaction.atomic():
        locked = (
            Proposal.objects.select_for_update(of=("self",))
            .select_related(
                "support_request__case__young_person", "buddy_request__case__young_person", "buddy_request__case"
            )
            .get(pk=proposal.pk)
        )
        if locked.status != ProposalStatus.ASKED:
            raise ValidationError(_("This question was already answered."))
        locked.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.DECLINED
        locked.reason = reason
        locked.save(update_fields=["status", "reason", "updated_at"])
        found = round_of(locked)
        people = request_people(found)
        staff = [*people["coordinators"], *people["professionals"]]
        if accept:
            notify(staff, notice=_notice(found, "accepted"), path=found.path())
        else:
            notify(staff, notice=_notice(found, "declined"), path=found.path())
            notify(people["family"], notice=_notice(found, "declined"), path=found.path("choose"))
        _plan_changed(found)
    return locked


def proposal_approve(*, actor: User, proposal: Proposal) -> SupportFamilyMatch | Mentorship | BrokerRequest:
    """A coordinator of the request's organisation or the case's professional approves an accepted proposal, and
    the match starts in its own journey: for a support request a support-family match, for a buddy request a buddy
    mentorship (`_approve_buddy`), for a broker request the broker is linked (`_approve_broker`). Everyone involved
    hears of it, once each. Refused while the young person's consent to keep and share is not complete
    (youth/consent.py).

    Races: the request row and then the proposal row are locked (select_for_update) and the status read again."""
    found = round_of(proposal)
    if not proposal_is_staff(actor, found):
        raise PermissionDenied(_("Only the coordinator or the professional of this family can approve."))
    # Said first, in one sentence; the services that start the match or link check again under their locks.
    consent_require(found.young_person)
    if found.is_buddy:
        return _approve_buddy(actor=actor, proposal=proposal, found=found)
    if found.is_broker:
        return _approve_broker(actor=actor, proposal=proposal, found=found)
    return _approve_support_family(actor=actor, proposal=proposal, found=found)


def _locked_accepted(found: RoundRequest, proposal: Proposal) -> tuple[RoundRequest, Proposal]:
    # The request row first, then the proposal: the same order as choosing, so the two cannot deadlock.
    locked_request = _lock_request(found)
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.status != ProposalStatus.ACCEPTED:
        if found.is_buddy:
            raise ValidationError(_("Only a proposal the buddy said yes to can be approved."))
        if found.is_broker:
            raise ValidationError(_("Only a proposal the social broker said yes to can be approved."))
        raise ValidationError(_("Only a proposal the support family said yes to can be approved."))
    return locked_request, locked


def _approve_support_family(*, actor: User, proposal: Proposal, found: RoundRequest) -> SupportFamilyMatch:
    """The support-family match is created (hostfamilies.services.match_propose, which checks readiness and capacity
    under its own row locks) and moved on to its introduction visits.

    hostfamilies lets a coordinator propose and introduce; the approver (a coordinator of the request's
    organisation or the case's professional, as `proposal_approve` checked) makes both steps in their own name,
    with the approved proposal as their authority (`approved_proposal`). match_propose re-checks "one open match
    per request" and the volunteer's places."""
    support_request = found.request
    assert isinstance(support_request, SupportRequest)
    with transaction.atomic():
        _locked_request, locked = _locked_accepted(found, proposal)
        volunteer = Volunteer.objects.get(pk=locked.volunteer_id)
        match = match_propose(actor=actor, request=support_request, volunteer=volunteer, approved_proposal=locked)
        match = match_move(actor=actor, match=match, move="introduce", approved_proposal=locked)
        locked.status, locked.decided_by, locked.match = ProposalStatus.APPROVED, actor, match
        locked.save(update_fields=["status", "decided_by", "match", "updated_at"])
        # The round is over: what the family did not see is no longer a suggestion.
        Proposal.objects.filter(support_request_id=locked.support_request_id, status=ProposalStatus.SUGGESTED).delete()
        people = request_people(found)
        everyone = [*people["family"], *people["coordinators"], *people["professionals"]]
        everyone += list(User.objects.filter(pk=volunteer.user_id))
        notify(
            [u for u in everyone if u.pk != actor.pk],
            notice=NOTICE_APPROVED,
            path=reverse("hostfamilies:match_detail", args=[match.pk]),
        )
        _plan_changed(found)
    return match


def _approval_audience(found: RoundRequest, volunteer: Volunteer, actor: User) -> list[User]:
    """Who hears that a buddy or broker was approved: the family, the young person also under 12 (and also when
    they do not choose), the case's professionals and the volunteer; not the approver. The coordinators ran the
    round and see it there."""
    people = request_people(found)
    everyone = [*people["family"], *people["professionals"], volunteer.user]
    if found.young_person.user_id:
        everyone += list(User.objects.filter(pk=found.young_person.user_id))
    return [u for u in everyone if u.pk != actor.pk]


def _approve_buddy(*, actor: User, proposal: Proposal, found: RoundRequest) -> Mentorship:
    """The buddy mentorship starts (mentors.services.mentorship_start_buddy: at the mandate, since the volunteers
    app screened the buddy), the request for a buddy is matched, and `_approval_audience` hears of it with one
    notice each. Refused when the volunteer is no longer matchable, or the young person already has an open
    mentorship.

    Races: the request row, then the proposal row are locked; the mentorship's partial unique constraint ("one
    open mentorship per young person") refuses a second one started at the same moment."""
    with transaction.atomic():
        locked_request, locked = _locked_accepted(found, proposal)
        buddy_request = locked_request.request
        assert isinstance(buddy_request, BuddyRequest)
        volunteer = Volunteer.objects.select_related("user").get(pk=locked.volunteer_id)
        mentorship = mentorship_start_buddy(
            actor=actor, buddy_request=buddy_request, volunteer=volunteer, notify_parties=False
        )
        buddyrequest_matched(buddy_request=buddy_request)
        locked.status, locked.decided_by, locked.mentorship = ProposalStatus.APPROVED, actor, mentorship
        locked.save(update_fields=["status", "decided_by", "mentorship", "updated_at"])
        locked_request.proposals().filter(status=ProposalStatus.SUGGESTED).delete()
        notify(
            _approval_audience(locked_request, volunteer, actor),
            notice=NOTICE_APPROVED_BUDDY,
            path=reverse("mentors:detail", args=[mentorship.pk]),
        )
    return mentorship


def _approve_broker(*, actor: User, proposal: Proposal, found: RoundRequest) -> BrokerRequest:
    """The broker is linked to the family's request (community.brokers.services.brokerrequest_link, which checks under
    its own row locks that the request is open without a broker and that the broker is ready with a place left), and
    `_approval_audience` hears of it with one notice each.

    Races: the request row, then the proposal row are locked (select_for_update) and the status read again;
    brokerrequest_link then locks the broker's row before counting their places."""
    with transaction.atomic():
        locked_request, locked = _locked_accepted(found, proposal)
        broker_request = locked_request.request
        assert isinstance(broker_request, BrokerRequest)
        volunteer = Volunteer.objects.select_related("user").get(pk=locked.volunteer_id)
        # The approval of the round is the approver's authority to link (not a coordinator's name).
        linked = brokerrequest_link(user=actor, request=broker_request, broker=volunteer, approved_proposal=locked)
        locked.status, locked.decided_by = ProposalStatus.APPROVED, actor
        locked.save(update_fields=["status", "decided_by", "updated_at"])
        locked_request.proposals().filter(status=ProposalStatus.SUGGESTED).delete()
        notify(
            _approval_audience(locked_request, volunteer, actor),
            notice=NOTICE_APPROVED_BROKER,
            path=reverse("community:brokerrequest_detail", args=[linked.pk]),
        )
    return linked


# --- The waiting list's global assignment -------------------------------------------------------------------------
# Changes that come in a row (a coordinator working through a round) wait this long for each other: the task runs
# once, after the last of them, on the inputs as they are then.
PLAN_DEBOUNCE = timedelta(seconds=10)
# A queued computation that has not finished after this long is taken as lost (a worker stopped) and queued again.
PLAN_REQUEST_LOST_AFTER = timedelta(minutes=10)


def waiting_list_plan_compute(*, organisation_id: int) -> bool:
    """Compute the organisation's waiting-list plan and store it with the fingerprint of its inputs; nothing when
    the stored one is still current (several queued runs give one computation). The fingerprint is read before
    the inputs, so a change made during the computation leaves a plan that is seen as stale. True when computed.
    Not in one transaction with the reads: the plan is a planning aid, and the last writer wins."""
    fingerprint = waiting_list_fingerprint(organisation_id)
    if waiting_list_plan_is_current(waiting_list_plan_stored(organisation_id), fingerprint):
        return False
    result = waiting_list_plan_result(organisation_id)
    WaitingListPlan.objects.update_or_create(
        organisation_id=organisation_id,
        defaults={"result": result, "fingerprint": fingerprint, "computed_at": timezone.now()},
    )
    return True


def waiting_list_plan_keep_current(*, organisation_id: int) -> bool:
    """`waiting_list_plans_keep_current` for one organisation: True while a newer plan is being computed."""
    computing, _plans = waiting_list_plans_keep_current(organisation_ids=[organisation_id])
    return organisation_id in computing


def waiting_list_plans_keep_current(*, organisation_ids: list[int]) -> tuple[set[int], dict[int, WaitingListPlan]]:
    """Queue a computation of each organisation's waiting-list plan when the stored one is missing or stale and
    none is queued yet (debounced by PLAN_DEBOUNCE). Gives the organisations whose newer plan is being computed,
    and every organisation's stored plan as it is now, for the page to show (matching.selectors
    .waiting_list_pages). A constant number of queries for any number of organisations while their plans stand
    (one fingerprint for all of them), and a few more per stale plan.
    Races: the claim is one conditional UPDATE, so two pages opened at once queue one computation."""
    ids = list(dict.fromkeys(organisation_ids))
    fingerprints = waiting_list_fingerprints(ids)
    plans = {plan.organisation_id: plan for plan in WaitingListPlan.objects.filter(organisation_id__in=ids)}
    computing: set[int] = set()
    for organisation_id in ids:
        plan = plans.get(organisation_id)
        if plan is None:
            plan, _created = WaitingListPlan.objects.get_or_create(organisation_id=organisation_id)
            plans[organisation_id] = plan
        if waiting_list_plan_is_current(plan, fingerprints[organisation_id]):
            continue
        now = timezone.now()
        queued = Q(requested_at__isnull=False, requested_at__gt=now - PLAN_REQUEST_LOST_AFTER) & (
            Q(computed_at__isnull=True) | Q(requested_at__gt=F("computed_at"))
        )
        if not WaitingListPlan.objects.filter(pk=plan.pk).exclude(queued).update(requested_at=now):
            computing.add(organisation_id)
            continue
        _enqueue_plan(organisation_id)
        # A backend that runs tasks at once (tests, a small installation) has computed it by now.
        stored = waiting_list_plan_stored(organisation_id)
        if stored is not None:
            plans[organisation_id] = stored
        if not waiting_list_plan_is_current(stored, fingerprints[organisation_id]):
            computing.add(organisation_id)
    return computing, plans


def _enqueue_plan(organisation_id: int) -> None:
    # Imported here: matching.tasks imports this module to run the work.
    from matching.tasks import waiting_list_plan_task

    if waiting_list_plan_task.get_backend().supports_defer:
        waiting_list_plan_task.using(run_after=timezone.now() + PLAN_DEBOUNCE).enqueue(organisation_id)
    else:
        waiting_list_plan_task.enqueue(organisation_id)


def _plan_changed(found: RoundRequest) -> None:
    """After a proposal round of a support request changed (proposals shown, chosen, answered, approved), queue a
    new plan of its organisation once the change is committed, so it is ready before someone looks."""
    if found.kind == SUPPORT:
        organisation_id = found.organisation_id
        transaction.on_commit(lambda: waiting_list_plan_keep_current(organisation_id=organisation_id))
