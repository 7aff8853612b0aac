"""Writes of proposal rounds: from the engine's proposals to a support-family match that starts its introduction.

suggested (the engine, seen by the coordinator and the professional) → shown (three at a time, to the family) →
the family chooses one (asked: the volunteer is asked) and the others are not chosen, or asks for others (all
not chosen) → the volunteer accepts or declines with a reason → the coordinator or the case professional
approves, which creates the SupportFamilyMatch (hostfamilies.services.match_propose) and starts its introduction
visits. The coordinator can exclude a suggested or shown proposal, with a reason.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from core.notify import notify
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.services import match_move, match_propose
from matching.features import proposals_for_support_request
from matching.model import load_current
from matching.models import OPEN_STATUSES, Proposal, ProposalStatus
from matching.selectors import (
    proposal_choosable_by,
    proposal_is_coordinator,
    proposal_is_staff,
    proposal_writable_by,
    request_people,
)
from volunteers.models import Volunteer

# How many proposals the family sees at once.
SHOWN_AT_ONCE = 3
# How many suggestions the engine makes per round.
SUGGESTIONS = 10
RULES_VERSION = "rules-1"

# Notices carry no names or details (core.notify); the link shows the rest to those allowed to see it.
NOTICE_SHOWN = gettext_lazy("There are support families to choose from. Have a look and choose one.")
NOTICE_CHOSEN = gettext_lazy("A family would like you as their support family. Please say yes or no.")
NOTICE_FAMILY_CHOSE = gettext_lazy("A family chose a support family. The support family is asked now.")
NOTICE_OTHERS = gettext_lazy("A family asks to see other support families.")
NOTICE_ACCEPTED = gettext_lazy("A support family said yes to a family. The match can be approved now.")
NOTICE_DECLINED = gettext_lazy("The support family that was chosen said no. You will get new proposals.")
NOTICE_APPROVED = gettext_lazy("A support-family match was approved. The introduction visits can start.")


def _request_path(support_request: SupportRequest, name: str = "matching:round") -> str:
    return reverse(name, args=[support_request.pk])


def engine_version() -> str:
    """Which scoring made the proposals: the rules alone, or the rules with a fit model version."""
    fit = load_current()
    return RULES_VERSION if fit is None else f"{RULES_VERSION}+model-{fit.version}"[:40]


def _locked_waiting_request(support_request: SupportRequest) -> SupportRequest:
    locked = SupportRequest.objects.select_for_update(of=("self",)).get(pk=support_request.pk)
    if locked.status != SupportRequest.Status.WAITING:
        raise ValidationError(_("This family is not waiting for a support family now."))
    return locked


def proposal_round_suggest(*, actor: User, support_request: SupportRequest) -> list[Proposal]:
    """A coordinator of the request's organisation asks the engine for new suggestions. Suggestions nobody but the
    coordinator and the professional has seen are replaced; volunteers already in a round of this request, or who
    said no to this family, are left out (matching.features.excluded_for_case).

    Races: the request row is locked (select_for_update), so two coordinators do not make a round at once; the
    partial unique constraints on Proposal back it up."""
    if not proposal_is_coordinator(actor, support_request):
        raise PermissionDenied(_("Only a coordinator of the organisation that handles this request can do this."))
    with transaction.atomic():
        locked = _locked_waiting_request(support_request)
        Proposal.objects.filter(support_request=locked).filter(status=ProposalStatus.SUGGESTED).delete()
        try:
            # The reasons are kept as written then, in the platform's language (Dutch): a snapshot, like the
            # scores. Factor labels are translated when shown, from their codes.
            with translation.override(settings.LANGUAGE_CODE):
                found = proposals_for_support_request(locked, k=SUGGESTIONS)
        except ValueError as error:
            raise ValidationError(_("The family's place is unknown. Correct the place in the request.")) from error
        version = engine_version()
        created = Proposal.objects.bulk_create(
            Proposal(
                support_request=locked,
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
            for rank, found_one in enumerate(found, start=1)
        )
    return created


def proposal_exclude(*, actor: User, proposal: Proposal, reason: str) -> Proposal:
    """A coordinator of the request's organisation takes a suggested or shown proposal out, with a reason (for
    example: "knows the family's neighbours"). The volunteer is not proposed for this request again.

    Races: the proposal row is locked and its status read again."""
    reason = reason.strip()
    if not proposal_is_coordinator(actor, proposal.support_request):
        raise PermissionDenied(_("Only a coordinator of the organisation that handles this request can do this."))
    if not reason:
        raise ValidationError({"reason": _("Write down why, in a few words.")})
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.status not in (ProposalStatus.SUGGESTED, ProposalStatus.SHOWN):
            raise ValidationError(_("This proposal can no longer be excluded."))
        locked.status, locked.reason, locked.decided_by = ProposalStatus.EXCLUDED, reason, actor
        locked.save(update_fields=["status", "reason", "decided_by", "updated_at"])
    return locked


def proposal_round_show(*, actor: User, support_request: SupportRequest) -> list[Proposal]:
    """A coordinator shows the best SHOWN_AT_ONCE suggestions to the family, and the family hears of it.

    Refused while the family still has proposals to choose from, or one chosen on its way. A volunteer who already
    has settings.MATCHING_MAX_OPEN_PROPOSALS open proposals (shown, chosen or accepted, for any family) is skipped.

    Races: two coordinators could show the same volunteer to two families at once. So the request row is locked,
    then each volunteer row in id order (select_for_update), and the volunteer's open proposals are counted under
    that lock."""
    if not proposal_is_coordinator(actor, support_request):
        raise PermissionDenied(_("Only a coordinator of the organisation that handles this request can do this."))
    with transaction.atomic():
        locked = _locked_waiting_request(support_request)
        if Proposal.objects.filter(support_request=locked).filter(status__in=OPEN_STATUSES).exists():
            raise ValidationError(_("The family still has proposals to choose from, or one is on its way."))
        suggested = list(
            Proposal.objects.filter(support_request=locked)
            .filter(status=ProposalStatus.SUGGESTED)
            .order_by("rank", "pk")
        )
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
        notify(request_people(locked)["family"], notice=NOTICE_SHOWN, path=_request_path(locked, "matching:choose"))
    return shown


def proposal_choose(*, actor: User, proposal: Proposal) -> Proposal:
    """The family (a custodial parent, or the young person from 12) chooses one of the proposals shown to them;
    the others shown are not chosen, and the volunteer is asked.

    Races: two parents could choose different ones at once, so the request row is locked first and the proposal's
    status read again under it."""
    if not proposal_choosable_by(actor).filter(pk=proposal.pk).exists():
        raise PermissionDenied(_("You may not choose for this family."))
    with transaction.atomic():
        locked_request = SupportRequest.objects.select_for_update(of=("self",)).get(pk=proposal.support_request_id)
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.status != ProposalStatus.SHOWN:
            raise ValidationError(_("This choice is no longer possible. Look at the page again."))
        Proposal.objects.filter(support_request=locked_request).filter(status=ProposalStatus.SHOWN).exclude(
            pk=locked.pk
        ).update(status=ProposalStatus.NOT_CHOSEN)
        locked.status, locked.decided_by = ProposalStatus.ASKED, actor
        locked.save(update_fields=["status", "decided_by", "updated_at"])
        volunteer_user = User.objects.filter(volunteer__pk=locked.volunteer_id)
        notify(volunteer_user, notice=NOTICE_CHOSEN, path=reverse("matching:ask", args=[locked.pk]))
        people = request_people(locked_request)
        notify(
            [*people["coordinators"], *people["professionals"]],
            notice=NOTICE_FAMILY_CHOSE,
            path=_request_path(locked_request),
        )
    return locked


def proposal_ask_others(*, actor: User, support_request: SupportRequest) -> int:
    """The family asks for other proposals: none of those shown is chosen, and the coordinators hear of it, so
    they can show the next ones. Returns how many were set aside. Under the request's row lock."""
    shown = proposal_choosable_by(actor).filter(support_request=support_request)
    if not shown.exists():
        raise PermissionDenied(_("You may not choose for this family."))
    with transaction.atomic():
        locked = SupportRequest.objects.select_for_update(of=("self",)).get(pk=support_request.pk)
        count = (
            Proposal.objects.filter(support_request=locked)
            .filter(status=ProposalStatus.SHOWN)
            .update(status=ProposalStatus.NOT_CHOSEN)
        )
        notify(request_people(locked)["coordinators"], notice=NOTICE_OTHERS, path=_request_path(locked))
    return count


def proposal_answer(*, actor: User, proposal: Proposal, accept: bool, reason: str = "") -> Proposal:
    """The volunteer the family chose says yes or no; a no needs a reason, and the volunteer is never proposed to
    this family again (the constraint "proposal_declined_never_again"). Under the proposal's row lock."""
    reason = reason.strip()
    if not proposal_writable_by(actor).filter(pk=proposal.pk, volunteer__user_id=actor.pk).exists():
        raise PermissionDenied(_("You may not answer this question."))
    if not accept and not reason:
        raise ValidationError({"reason": _("Write down why, in a few words.")})
    with transaction.atomic():
        locked = (
            Proposal.objects.select_for_update()
            .select_related("support_request__case__young_person")
            .get(pk=proposal.pk)
        )
        if locked.status != ProposalStatus.ASKED:
            raise ValidationError(_("This question was already answered."))
        locked.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.DECLINED
        locked.reason = reason
        locked.save(update_fields=["status", "reason", "updated_at"])
        people = request_people(locked.support_request)
        staff = [*people["coordinators"], *people["professionals"]]
        path = _request_path(locked.support_request)
        if accept:
            notify(staff, notice=NOTICE_ACCEPTED, path=path)
        else:
            notify(staff, notice=NOTICE_DECLINED, path=path)
            notify(
                people["family"],
                notice=NOTICE_DECLINED,
                path=_request_path(locked.support_request, "matching:choose"),
            )
    return locked


def proposal_approve(*, actor: User, proposal: Proposal) -> SupportFamilyMatch:
    """A coordinator of the request's organisation or the case's professional approves an accepted proposal. The
    support-family match is created (hostfamilies.services.match_propose, which checks readiness and capacity
    under its own row locks) and moved on to its introduction visits, and everyone involved hears of it.

    hostfamilies lets only coordinators propose and introduce: when the professional approves, those two steps
    are made in the name of one of the organisation's coordinators (the match records no proposer; the proposal
    records who approved). Races: the request row and then the proposal row are locked (select_for_update) and the
    status read again; match_propose re-checks "one open match per request" and the volunteer's places."""
    support_request = proposal.support_request
    if not proposal_is_staff(actor, support_request):
        raise PermissionDenied(_("Only the coordinator or the professional of this family can approve."))
    if proposal_is_coordinator(actor, support_request):
        coordinator: User | None = actor
    else:
        coordinator = (
            User.objects.filter(
                is_active=True, roles__role=Role.COORDINATOR, roles__organisation_id=support_request.organisation_id
            )
            .order_by("pk")
            .first()
        )
    if coordinator is None:
        raise ValidationError(_("This organisation has no coordinator. A coordinator is needed to start the match."))
    with transaction.atomic():
        # The request row first, then the proposal: the same order as choosing, so the two cannot deadlock.
        SupportRequest.objects.select_for_update(of=("self",)).only("pk").get(pk=support_request.pk)
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.status != ProposalStatus.ACCEPTED:
            raise ValidationError(_("Only a proposal the support family said yes to can be approved."))
        volunteer = Volunteer.objects.get(pk=locked.volunteer_id)
        match = match_propose(actor=coordinator, request=support_request, volunteer=volunteer)
        match = match_move(actor=coordinator, match=match, move="introduce")
        locked.status, locked.decided_by, locked.match = ProposalStatus.APPROVED, actor, match
        locked.save(update_fields=["status", "decided_by", "match", "updated_at"])
        # The round is over: what the family did not see is no longer a suggestion.
        Proposal.objects.filter(support_request_id=locked.support_request_id, status=ProposalStatus.SUGGESTED).delete()
        people = request_people(support_request)
        everyone = [*people["family"], *people["coordinators"], *people["professionals"]]
        everyone += list(User.objects.filter(pk=volunteer.user_id))
        notify(
            [u for u in everyone if u.pk != actor.pk],
            notice=NOTICE_APPROVED,
            path=reverse("hostfamilies:match_detail", args=[match.pk]),
        )
    return match
