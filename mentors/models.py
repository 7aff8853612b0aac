"""JIM mentorships: a young person's own mentor, from the nomination to the closure.

A mentorship starts from the young person's choice of candidates (youth.MentorChoice) and keeps a link to the
person in their network map, which stays there after the closure: the role ends, the relationship does not.
Contact details of the nominee are kept only as long as the nomination runs or the mentor has said yes.
Changes go through mentors/services.py only; the table of moves is mentors/states.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mentors.states import OPEN_STATES, State
from youth.models import Case, NetworkPerson, YoungPerson

MIN_CHECKIN_WEEKS, MAX_CHECKIN_WEEKS, DEFAULT_CHECKIN_WEEKS = 1, 26, 8


class Mentorship(models.Model):
    class Kind(models.TextChoices):
        # JIM: the young person's own mentor. BUDDY: a screened volunteer found by matching (matching.services).
        JIM = "jim", _("JIM mentor")
        BUDDY = "buddy", _("buddy")

    class Averted(models.TextChoices):
        YES = "yes", _("yes, averted")
        NO = "no", _("no, not averted")
        NOT_APPLICABLE = "not_applicable", _("not applicable: no placement was threatened")

    class Goals(models.TextChoices):
        YES = "yes", _("yes")
        PARTLY = "partly", _("partly")
        NO = "no", _("no")
        UNKNOWN = "unknown", _("not known")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.JIM)
    young_person = models.ForeignKey(YoungPerson, on_delete=models.PROTECT, related_name="mentorships")
    # The case whose professional runs the mentorship; its organisation's policy decides the screening.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="mentorships")
    # The person in the network map; SET_NULL: the young person may remove someone, the history stays.
    nominee = models.ForeignKey(
        NetworkPerson, on_delete=models.SET_NULL, null=True, blank=True, related_name="mentorships"
    )
    nominee_name = models.CharField(_("name of the nominee"), max_length=150)
    nominee_email = models.EmailField(_("email address of the nominee"), blank=True)
    nominee_phone = models.CharField(_("mobile number of the nominee"), max_length=20, blank=True)
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentorships_as_mentor",
        verbose_name=_("mentor"),
    )
    state = models.CharField(_("step"), max_length=20, choices=State.choices, default=State.NOMINATED)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("nominated at"), auto_now_add=True)
    state_changed_at = models.DateTimeField(_("step changed at"), null=True, blank=True)
    talk_requested_at = models.DateTimeField(_("call asked for at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    # Screening: decided from the organisation's policy when the screening starts (mentors.selectors).
    vog_required = models.BooleanField(_("a VOG is needed"), null=True, blank=True)
    vog_issued_on = models.DateField(_("date of issue of the VOG"), null=True, blank=True)
    vog_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checkin_weeks = models.PositiveSmallIntegerField(_("weeks between check-ins"), default=DEFAULT_CHECKIN_WEEKS)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    stepped_back_on = models.DateField(_("professional stepped back on"), null=True, blank=True)
    # Closure (also a no of the nominee): when, by whom, why, and the outcome.
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.TextField(_("reason"), blank=True)
    placement_averted = models.CharField(
        _("threatened out-of-home placement averted"), max_length=20, choices=Averted.choices, blank=True
    )
    goals_young_person = models.CharField(
        _("goals reached, in the eyes of the young person"), max_length=10, choices=Goals.choices, blank=True
    )
    goals_parents = models.CharField(
        _("goals reached, in the eyes of the parents"), max_length=10, choices=Goals.choices, blank=True
    )
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1 to 5)"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Two professionals starting a nomination at once make one: the database refuses the second.
            models.UniqueConstraint(
                fields=["young_person"], condition=Q(state__in=OPEN_STATES), name="mentorship_one_open_per_young_person"
            ),
            models.CheckConstraint(
                condition=Q(checkin_weeks__gte=MIN_CHECKIN_WEEKS, checkin_weeks__lte=MAX_CHECKIN_WEEKS),
                name="mentorship_checkin_weeks_1_26",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="mentorship_satisfaction_1_5",
            ),
            models.CheckConstraint(condition=Q(state__in=State.values), name="mentorship_state_known"),
        ]
        verbose_name = _("JIM mentorship")
        verbose_name_plural = _("JIM mentorships")

    def __str__(self) -> str:
        return f"{self.young_person.first_name} – {self.nominee_name}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_buddy(self) -> bool:
        return self.kind == self.Kind.BUDDY

    @property
    def title(self) -> str:
        """How the pages name it: "JIM of Sanne: Mehmet", or "Buddy of Sanne: Mehmet" for a volunteer buddy."""
        names = {"name": self.young_person.first_name, "mentor": self.nominee_name}
        if self.is_buddy:
            return _("Buddy of %(name)s: %(mentor)s") % names
        return _("JIM of %(name)s: %(mentor)s") % names


class Invitation(models.Model):
    """A single-use link for the nominee. Only a hash of the token is stored: the database alone opens nothing.
    A new invitation replaces the older ones of the mentorship (`revoked_at`)."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    by_sms = models.BooleanField(_("by SMS"), default=False)
    by_email = models.BooleanField(_("by email"), default=False)
    # The address the link went to: only an account with this address may be linked when the nominee accepts.
    email = models.EmailField(blank=True)
    opened_at = models.DateTimeField(_("first opened at"), null=True, blank=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("replaced at"), null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(by_sms=True) | Q(by_email=True), name="invitation_sent")]


class Mandate(models.Model):
    """One party's answer to the mentor (a custodial parent's mandate, or the young person's own yes). A changed
    answer replaces the standing one, which stays as history."""

    class GivenAs(models.TextChoices):
        YOUNG_PERSON = "young_person", _("the young person")
        CUSTODIAL_PARENT = "custodial_parent", _("parent with custody")

    class Decision(models.TextChoices):
        YES = "yes", _("yes")
        RESERVATIONS = "reservations", _("yes, with reservations")
        NO = "no", _("no")

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="mandates")
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    given_as = models.CharField(_("given as"), max_length=20, choices=GivenAs.choices)
    decision = models.CharField(_("answer"), max_length=20, choices=Decision.choices)
    reservations = models.TextField(_("reservations"), blank=True)
    text_version = models.CharField(_("text version"), max_length=20)
    given_at = models.DateTimeField(_("given at"), auto_now_add=True)
    replaced_at = models.DateTimeField(_("replaced at"), null=True, blank=True)

    class Meta:
        ordering = ["given_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentorship", "given_by"], condition=Q(replaced_at__isnull=True), name="mandate_one_standing"
            ),
            models.CheckConstraint(
                condition=~Q(decision="reservations", reservations=""), name="mandate_reservations_written"
            ),
        ]


class CheckIn(models.Model):
    """A check-in with the mentor every few weeks: planned (no `held_on`) or held. At most one is planned."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="checkins")
    due_on = models.DateField(_("planned before"))
    held_on = models.DateField(_("held on"), null=True, blank=True)
    # What everyone involved may read; private coaching goes into the professional's notes.
    note = models.TextField(_("what was discussed"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminder_sent_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-due_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentorship"], condition=Q(held_on__isnull=True), name="checkin_one_planned"
            ),
        ]


class CoachingNote(models.Model):
    """The professional's private note about coaching the mentor: only the case's professionals read it."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="coaching_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"))
    written_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        ordering = ["-written_at", "-id"]


class Rating(models.Model):
    """A quick rating of how it goes (1 to 5), by the young person or the mentor; several over time."""

    class GivenAs(models.TextChoices):
        YOUNG_PERSON = "young_person", _("the young person")
        MENTOR = "mentor", _("the mentor")

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="ratings")
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    given_as = models.CharField(_("given as"), max_length=20, choices=GivenAs.choices)
    score = models.PositiveSmallIntegerField(_("how it goes"))
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    given_at = models.DateTimeField(_("given at"), auto_now_add=True)

    class Meta:
        ordering = ["-given_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_score_1_5")]
