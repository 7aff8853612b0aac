"""The sociale kaart: what the neighbourhood offers (clubs, groups, help points), kept up to date by the
organisations that link families to it. Public information about organisations, never about a person."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Municipality, Organisation
from community.states import Answer, State

# An entry that nobody checked for this long may be out of date: it is flagged for review.
REVIEW_AFTER = timedelta(days=365)
# When a referral's follow-ups are due, counted from the first contact. Three months is 13 weeks, so that the day
# does not depend on the lengths of the months in between.
FOLLOW_UP_AFTER = {"follow_up_4_weeks": timedelta(weeks=4), "follow_up_3_months": timedelta(weeks=13)}
AGE_LIMIT = 99


class Category(models.TextChoices):
    SPORTS_CLUB = "sports_club", _("Sports club")
    SELF_HELP = "self_help", _("Self-help or parent group")
    HOMEWORK_HELP = "homework_help", _("Homework help")
    DEBT_HELP = "debt_help", _("Debt help")
    YOUTH_WORK = "youth_work", _("Youth work")
    CULTURE = "culture", _("Culture")
    CITIZENS_INITIATIVE = "citizens_initiative", _("Citizens' initiative")
    OTHER = "other", _("Other")


class Theme(models.TextChoices):
    AUTISM = "autism", _("Autism")
    ADHD = "adhd", _("ADHD")
    DIVORCE = "divorce", _("Divorce")
    DEBT = "debt", _("Debt and money")
    LONELINESS = "loneliness", _("Loneliness")
    PARENTING = "parenting", _("Parenting")
    SCHOOL = "school", _("School")
    LANGUAGE = "language", _("Language")
    HEALTH = "health", _("Health")
    DISABILITY = "disability", _("Disability")
    GRIEF = "grief", _("Grief and loss")


class Cost(models.TextChoices):
    FREE = "free", _("Free")
    SMALL = "small", _("Small contribution")
    PAID = "paid", _("Paid")


class Resource(models.Model):
    """One entry of the sociale kaart: a club, group or help point that a family can go to.

    Who keeps it (`organisation`) and when it was last checked (`checked_on`, `checked_by`) are part of the
    entry: every page shows them, and entries not checked for a year are flagged for review.
    `search_text` is name and description folded to lower case without accents, so that a search finds "café"
    for "cafe" and "Voetbal" for "voetbal" in the same way on SQLite and PostgreSQL; services keep it in step.
    """

    name = models.CharField(_("name"), max_length=150)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    description = models.TextField(_("description"), max_length=2000)
    age_min = models.PositiveSmallIntegerField(_("from age"), default=0)
    age_max = models.PositiveSmallIntegerField(_("up to age"), default=AGE_LIMIT)
    address = models.CharField(_("address or area"), max_length=200, blank=True)
    place = models.CharField(_("place"), max_length=100)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    latitude = models.FloatField()
    longitude = models.FloatField()
    opening_times = models.CharField(_("opening times"), max_length=300, blank=True)
    cost = models.CharField(_("cost"), max_length=10, choices=Cost.choices, default=Cost.FREE)
    cost_note = models.CharField(_("about the cost"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="resources", verbose_name=_("kept up to date by")
    )
    checked_on = models.DateField(_("last checked on"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last checked by"),
    )
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            # The distance search first takes a bounding box of latitude and longitude in the database.
            models.Index(fields=["latitude", "longitude"], name="resource_lat_lon"),
            models.Index(fields=["organisation", "checked_on"], name="resource_org_checked"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(age_min__lte=F("age_max")), name="resource_age_range_ordered"),
            models.CheckConstraint(condition=Q(age_max__lte=AGE_LIMIT), name="resource_age_max_limit"),
            models.CheckConstraint(condition=~Q(phone="") | ~Q(email="") | ~Q(website=""), name="resource_has_contact"),
        ]
        verbose_name = _("sociale kaart entry")
        verbose_name_plural = _("sociale kaart entries")

    def __str__(self) -> str:
        return self.name

    def is_due_for_review(self, today: date) -> bool:
        return self.checked_on < today - REVIEW_AFTER

    @property
    def due_for_review(self) -> bool:
        """Not checked for a year (REVIEW_AFTER): what the pages flag."""
        return self.is_due_for_review(timezone.localdate())


class ResourceTheme(models.Model):
    """A theme an entry is about (autism, divorce, …), one row per theme.

    Why rows and not a JSON list or a Theme table: the themes are a fixed list in code (`Theme`), and searching
    by theme must be a plain indexed join that works on SQLite and PostgreSQL alike (a JSONField `contains`
    lookup does not work on SQLite). A Theme table would need its rows seeded in every test database, including
    the ones that transactional tests empty; a row per (entry, theme) needs nothing seeded.
    """

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="themes")
    theme = models.CharField(_("theme"), max_length=20, choices=Theme.choices)

    class Meta:
        ordering = ["theme"]
        constraints = [models.UniqueConstraint(fields=["resource", "theme"], name="resourcetheme_unique")]
        indexes = [models.Index(fields=["theme", "resource"], name="resourcetheme_theme")]

    def __str__(self) -> str:
        return self.get_theme_display()


class BrokerRequest(models.Model):
    """A professional's request for a social broker for one case, and the broker linked to it.

    The dates are what insights count: `asked_on` (requested), `linked_on` (the match started; waiting time is
    linked_on - asked_on), `ended_on` with `end_reason`. Open: `ended_on` is null; active: linked and open.
    """

    class EndReason(models.TextChoices):
        DONE = "done", _("the family is connected, the help is done")
        NOT_NEEDED = "not_needed", _("no longer needed")
        FAMILY_STOPPED = "family_stopped", _("the family stopped")
        NO_BROKER = "no_broker", _("no broker found")
        CASE_CLOSED = "case_closed", _("the case was closed")

    case = models.ForeignKey("youth.Case", on_delete=models.PROTECT, related_name="broker_requests")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    purpose = models.TextField(_("what the broker should help with"), max_length=1000)
    broker = models.ForeignKey(
        "volunteers.Volunteer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="broker_requests",
        verbose_name=_("social broker"),
    )
    asked_on = models.DateField(_("asked on"))
    linked_on = models.DateField(_("broker linked on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=20, choices=EndReason.choices, blank=True)

    class Meta:
        ordering = ["-asked_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(broker__isnull=True, linked_on__isnull=True)
                | Q(broker__isnull=False, linked_on__isnull=False),
                name="brokerrequest_linked_has_date",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True, end_reason="") | Q(ended_on__isnull=False) & ~Q(end_reason=""),
                name="brokerrequest_ended_has_reason",
            ),
            # One open request per case: a second professional joins the first request instead.
            models.UniqueConstraint(
                fields=["case"], condition=Q(ended_on__isnull=True), name="brokerrequest_one_open_per_case"
            ),
        ]
        verbose_name = _("request for a social broker")
        verbose_name_plural = _("requests for a social broker")

    def __str__(self) -> str:
        return f"{self.case} ({self.asked_on})"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


class Referral(models.Model):
    """A verbinding: the broker links someone of the case to a sociale-kaart entry and follows up twice.

    The state and its allowed moves are in community/states.py; services apply them.
    """

    class For(models.TextChoices):
        YOUNG_PERSON = "young_person", _("the young person")
        PARENT = "parent", _("a parent")

    request = models.ForeignKey(BrokerRequest, on_delete=models.CASCADE, related_name="referrals")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="referrals")
    for_whom = models.CharField(_("for whom"), max_length=20, choices=For.choices)
    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.PROPOSED)
    agreed_on = models.DateField(_("agreed with the family on"), null=True, blank=True)
    declined_reason = models.CharField(_("why the family did not want it"), max_length=300, blank=True)
    first_contact_on = models.DateField(_("first contact on"), null=True, blank=True)
    week4 = models.CharField(_("taking part after 4 weeks"), max_length=10, choices=Answer.choices, blank=True)
    week4_reason = models.CharField(_("reason"), max_length=300, blank=True)
    week4_on = models.DateField(null=True, blank=True)
    month3 = models.CharField(_("taking part after 3 months"), max_length=10, choices=Answer.choices, blank=True)
    month3_reason = models.CharField(_("reason"), max_length=300, blank=True)
    month3_on = models.DateField(null=True, blank=True)
    # When the broker was reminded that a follow-up is due (once each: the reminder task may run more than once).
    week4_reminded_on = models.DateField(null=True, blank=True)
    month3_reminded_on = models.DateField(null=True, blank=True)
    created_on = models.DateField(_("recorded on"))

    class Meta:
        ordering = ["-created_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(for_whom="parent", parent__isnull=False) | Q(for_whom="young_person", parent__isnull=True),
                name="referral_parent_when_for_parent",
            ),
        ]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"{self.resource} ({self.get_for_whom_display()})"

    def follow_up_due_on(self, follow_up: str) -> date | None:
        """The day a follow-up ("follow_up_4_weeks", "follow_up_3_months") is due: counted from the first contact."""
        if self.first_contact_on is None:
            return None
        return self.first_contact_on + FOLLOW_UP_AFTER[follow_up]


class GroupActivity(models.Model):
    """A group activity that a social broker organises for the families they help: a parents' group, a reading
    club. Families sign up for a place (`ActivitySignUp`); `places` is how many families can take part.

    Cancelled: `cancelled_at` is set; the activity and its sign-ups stay, so families can see it was cancelled.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="group_activities", verbose_name=_("organisation")
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="group_activities",
        verbose_name=_("team"),
    )
    organiser = models.ForeignKey(
        "volunteers.Volunteer",
        on_delete=models.PROTECT,
        related_name="group_activities",
        verbose_name=_("organised by"),
    )
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("what happens there"), max_length=1000)
    place = models.CharField(_("where"), max_length=150)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    places = models.PositiveSmallIntegerField(_("number of places"))
    age_min = models.PositiveSmallIntegerField(_("from age"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("up to age"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["organisation", "starts_at"], name="groupactivity_org_start")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="groupactivity_ends_after_start"),
            models.CheckConstraint(condition=Q(places__gte=1), name="groupactivity_places_at_least_one"),
            models.CheckConstraint(
                condition=Q(age_min__isnull=True) | Q(age_max__isnull=True) | Q(age_min__lte=F("age_max")),
                name="groupactivity_age_range_ordered",
            ),
        ]
        verbose_name = _("group activity")
        verbose_name_plural = _("group activities")

    def __str__(self) -> str:
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def places_left(self) -> int:
        """Places not taken: reads the `taken` count that the selectors annotate (a list costs one query)."""
        return max(self.places - int(getattr(self, "taken", 0)), 0)


class ActivitySignUp(models.Model):
    """One family (a case) taking part in a group activity. Live: `cancelled_at` is null; a case has at most one
    live sign-up per activity (a constraint), and signs up again after cancelling with a new row."""

    activity = models.ForeignKey(GroupActivity, on_delete=models.CASCADE, related_name="signups")
    case = models.ForeignKey("youth.Case", on_delete=models.PROTECT, related_name="activity_signups")
    signed_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_up_at = models.DateTimeField(_("signed up at"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["signed_up_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "case"],
                condition=Q(cancelled_at__isnull=True),
                name="activitysignup_one_live_per_case",
            ),
        ]
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")

    def __str__(self) -> str:
        return f"{self.activity} ({self.case})"

    @property
    def is_live(self) -> bool:
        return self.cancelled_at is None
