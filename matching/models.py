"""Proposal rounds: the engine's ranked proposals for a family's support request, a young person's request for a
buddy or a case's request for a social broker, and what people decided about each of them. The engine proposes;
the coordinator shows three to the family, the family chooses, the volunteer says yes or no, and the coordinator
or the case professional approves (matching/services.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from community.models import BrokerRequest
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from mentors.models import Mentorship
from volunteers.models import Volunteer
from youth.models import BuddyRequest, Case


class ProposalStatus(models.TextChoices):
    # Lower case: read inside a sentence ("Status: shown to the family").
    SUGGESTED = "suggested", _("suggested by the engine")
    SHOWN = "shown", _("shown to the family")
    NOT_CHOSEN = "not_chosen", _("not chosen by the family")
    EXCLUDED = "excluded", _("excluded by the coordinator")
    ASKED = "asked", _("chosen by the family, volunteer asked")
    ACCEPTED = "accepted", _("the volunteer said yes")
    DECLINED = "declined", _("the volunteer said no")
    APPROVED = "approved", _("approved")


# A live proposal is still on its way to a match; a volunteer has at most one per request.
LIVE_STATUSES: tuple[str, ...] = (
    ProposalStatus.SUGGESTED,
    ProposalStatus.SHOWN,
    ProposalStatus.ASKED,
    ProposalStatus.ACCEPTED,
)
# Open proposals count towards settings.MATCHING_MAX_OPEN_PROPOSALS: the family has seen them or chose them.
OPEN_STATUSES: tuple[str, ...] = (ProposalStatus.SHOWN, ProposalStatus.ASKED, ProposalStatus.ACCEPTED)
# What the family sees: from being shown until the end of the round.
FAMILY_STATUSES: tuple[str, ...] = (
    ProposalStatus.SHOWN,
    ProposalStatus.ASKED,
    ProposalStatus.ACCEPTED,
    ProposalStatus.DECLINED,
    ProposalStatus.APPROVED,
)
# What the volunteer sees: from being asked.
VOLUNTEER_STATUSES: tuple[str, ...] = (
    ProposalStatus.ASKED,
    ProposalStatus.ACCEPTED,
    ProposalStatus.DECLINED,
    ProposalStatus.APPROVED,
)


class Proposal(models.Model):
    """One volunteer proposed for one request — a family's support request (a support family), a young person's
    request for a buddy, or a case's request for a social broker: exactly one of the three — with the engine's
    score, reasons and per-factor contributions as they were when proposed (a snapshot: the volunteer or the
    request may change later)."""

    support_request = models.ForeignKey(
        SupportRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("support request"),
    )
    buddy_request = models.ForeignKey(
        BuddyRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("request for a buddy"),
    )
    broker_request = models.ForeignKey(
        BrokerRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("request for a social broker"),
    )
    # The request's case, kept here so the database can refuse a volunteer who said no to this family before.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", verbose_name=_("case"))
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("volunteer")
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.FloatField(_("score"))
    distance_km = models.FloatField(_("distance in km"))
    # [{"factor", "label", "value", "weight", "points"}, …] and ["6 km from home", …]
    contributions = models.JSONField(default=list)
    reasons = models.JSONField(default=list)
    engine_version = models.CharField(_("engine version"), max_length=40)
    status = models.CharField(
        _("status"), max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.SUGGESTED
    )
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the approval started: a support-family match, or a buddy mentorship (a broker is linked on its request).
    match = models.ForeignKey(SupportFamilyMatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    mentorship = models.ForeignKey(Mentorship, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        ordering = ["rank", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(support_request__isnull=False, buddy_request__isnull=True, broker_request__isnull=True)
                | Q(support_request__isnull=True, buddy_request__isnull=False, broker_request__isnull=True)
                | Q(support_request__isnull=True, buddy_request__isnull=True, broker_request__isnull=False),
                name="proposal_one_request",
            ),
            models.UniqueConstraint(
                fields=["support_request", "volunteer"],
                condition=Q(status__in=LIVE_STATUSES),
                name="proposal_one_live_per_request_volunteer",
            ),
            models.UniqueConstraint(
                fields=["buddy_request", "volunteer"],
                condition=Q(status__in=LIVE_STATUSES),
                name="proposal_one_live_per_buddy_request_volunteer",
            ),
            models.UniqueConstraint(
                fields=["broker_request", "volunteer"],
                condition=Q(status__in=LIVE_STATUSES),
                name="proposal_one_live_per_broker_request_volunteer",
            ),
            # A volunteer who said no to a family is never proposed to that family again: a live proposal cannot
            # exist beside a declined one for the same case (and there is only one declined row). Support families
            # buddies and social brokers apart: saying no to weekend stays is not saying no to being a buddy.
            models.UniqueConstraint(
                fields=["case", "volunteer"],
                condition=Q(status__in=(*LIVE_STATUSES, ProposalStatus.DECLINED), support_request__isnull=False),
                name="proposal_declined_never_again",
            ),
            models.UniqueConstraint(
                fields=["case", "volunteer"],
                condition=Q(status__in=(*LIVE_STATUSES, ProposalStatus.DECLINED), buddy_request__isnull=False),
                name="proposal_buddy_declined_never_again",
            ),
            models.UniqueConstraint(
                fields=["case", "volunteer"],
                condition=Q(status__in=(*LIVE_STATUSES, ProposalStatus.DECLINED), broker_request__isnull=False),
                name="proposal_broker_declined_never_again",
            ),
            models.CheckConstraint(condition=Q(rank__gte=1), name="proposal_rank_positive"),
        ]
        indexes = [models.Index(fields=["volunteer", "status"], name="proposal_volunteer_status")]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self) -> str:
        if self.buddy_request_id:
            request = f"buddy {self.buddy_request_id}"
        elif self.broker_request_id:
            request = f"broker {self.broker_request_id}"
        else:
            request = str(self.support_request_id)
        return f"{request} – {self.volunteer_id} ({self.status})"

    @property
    def is_buddy(self) -> bool:
        return self.buddy_request_id is not None

    @property
    def is_broker(self) -> bool:
        return self.broker_request_id is not None


class WaitingListPlan(models.Model):
    """The waiting list's global assignment of one organisation, as last computed (matching.tasks): computing it
    takes seconds at the size of a region, so the page reads it from here. `fingerprint` says which inputs it was
    computed from (matching.selectors.waiting_list_fingerprint); `requested_at` when a new computation was last
    queued, so several changes in a row queue one."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    # {"requests": {request id: {"global": volunteer id or null, "first": volunteer id or null}},
    #  "without_place": n, "global": {"matched", "total_fit"}, "first_come_first_served": {"matched", "total_fit"}}
    result = models.JSONField(default=dict)
    fingerprint = models.CharField(max_length=64, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("waiting list plan")
        verbose_name_plural = _("waiting list plans")

    def __str__(self) -> str:
        return f"{self.organisation_id} ({self.computed_at})"
