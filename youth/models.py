"""Young people, their guardians, their cases (trajecten) and the consents they and their parents gave.

Only what support and matching need: no citizen service number (BSN), no diagnoses.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Municipality, Organisation, Team


class YoungPerson(models.Model):
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    date_of_birth = models.DateField(_("date of birth"))
    residence_municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality where they live")
    )
    # Woonplaatsbeginsel: the municipality that pays follows the parents' residence, which can differ.
    paying_municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("paying municipality")
    )
    home_place = models.CharField(_("place"), max_length=100)
    home_postcode = models.CharField(_("postcode"), max_length=7, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="young_person",
        verbose_name=_("account"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The consent rule's answer for every purpose (youth.selectors.consent_complete_condition), kept so that a list of
    # a team's thousands of cases counts and filters "waiting for consent" from a column instead of working the rule
    # out per case. Written only by youth.services.consent_state_refresh, which every service that changes what the
    # rule reads calls. None: not worked out (a row made some other way); the lists then use the rule itself.
    consent_complete = models.BooleanField(null=True, editable=False)
    # How many of the rule's birthdays (12, 16, 18) had passed when it was worked out (selectors.consent_age_band):
    # the answer holds while that is still so; after a birthday the lists use the rule itself until a refresh.
    consent_age_band = models.PositiveSmallIntegerField(null=True, editable=False)

    class Meta:
        ordering = ["first_name", "last_name", "id"]
        indexes = [
            # The case lists page by the young person's name: with it PostgreSQL walks the names until a page of the
            # user's cases is found instead of joining and sorting every case of a team (a team of 3,000 cases in a
            # region of 20,000: 8 ms against 1).
            models.Index(fields=["first_name", "last_name", "id"], name="youngperson_by_name"),
        ]
        verbose_name = _("young person")
        verbose_name_plural = _("young people")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Guardianship(models.Model):
    """A person linked to a young person as parent or guardian. It makes them a party (youth/parties.py) only once
    they confirmed it (an account that existed before is asked first: a typed email proves nothing) and, from the
    young person's 18th birthday, only while the young adult lets them look along (`adult_access_granted_at`)."""

    class Kind(models.TextChoices):
        PARENT = "parent", _("Parent")
        GUARDIAN = "guardian", _("Guardian (voogd)")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REFUSED = "refused", _("Refused: says they are not the parent")

    young_person = models.ForeignKey(YoungPerson, on_delete=models.CASCADE, related_name="guardianships")
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardianships", verbose_name=_("guardian")
    )
    kind = models.CharField(_("relation"), max_length=10, choices=Kind.choices, default=Kind.PARENT)
    has_custody = models.BooleanField(_("has custody (gezag)"), default=True)
    # Links made before confirmation existed were made by a professional and stand; guardian_add sets the status.
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("asked at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # The professional was told that this person also has another part in the young person's life (mentor,
    # volunteer, professional) and chose to ask them as parent anyway.
    other_role_acknowledged = models.BooleanField(_("other role acknowledged"), default=False)
    # From 18 the young adult decides: set while they let this parent look along (history: ParentAccessDecision).
    adult_access_granted_at = models.DateTimeField(_("may look along since"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["young_person", "guardian"], name="guardianship_unique_pair"),
            models.CheckConstraint(
                condition=Q(status__in=["waiting", "confirmed", "refused"]), name="guardianship_status_known"
            ),
        ]
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")

    def __str__(self) -> str:
        return f"{self.guardian} → {self.young_person}"


class ParentAccessDecision(models.Model):
    """A young adult's choice (from 18) to let one parent look along or not: the history of who decided what and
    when; the standing choice is `Guardianship.adult_access_granted_at`."""

    guardianship = models.ForeignKey(Guardianship, on_delete=models.CASCADE, related_name="access_decisions")
    granted = models.BooleanField(_("may look along"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("choice about a parent looking along")
        verbose_name_plural = _("choices about parents looking along")


class AdulthoodStep(models.Model):
    """That the 18th birthday of a young person was handled (parents and the young adult told, conversations
    synced). One row per young person, so the birthday task and the sweep that plans it can run twice safely."""

    young_person = models.OneToOneField(YoungPerson, on_delete=models.CASCADE, related_name="adulthood_step")
    done_at = models.DateTimeField(_("handled at"), auto_now_add=True)

    class Meta:
        verbose_name = _("18th birthday handled")
        verbose_name_plural = _("18th birthdays handled")


class Case(models.Model):
    """A traject: one organisation's help for one young person, from opening to closing."""

    young_person = models.ForeignKey(YoungPerson, on_delete=models.PROTECT, related_name="cases")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="cases", verbose_name=_("organisation")
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases", verbose_name=_("team")
    )
    professionals: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CaseAssignment", related_name="assigned_cases", blank=True
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    threatened_out_of_home_placement = models.BooleanField(
        _("threatened out-of-home placement at the start"), default=False
    )

    class Meta:
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="case_closed_after_opened",
            ),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"{self.young_person} – {self.organisation}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class CaseAssignment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    professional = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    is_lead = models.BooleanField(_("case lead (regiehouder)"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "professional"], name="caseassignment_unique_pair")]


class ConsentPurpose(models.TextChoices):
    """What a consent is for. Each purpose has a text version (youth/consent_texts.py) that the party saw."""

    DATA_PROCESSING = "data_processing", _("Keeping data in Dichtbij")
    NETWORK_SHARING = "network_sharing", _("Sharing what is needed with a mentor, support family or social broker")


class Consent(models.Model):
    """One party's yes to one purpose, as it was shown to them; withdrawn rows stay as history."""

    class GivenAs(models.TextChoices):
        YOUNG_PERSON = "young_person", _("the young person")
        CUSTODIAL_PARENT = "custodial_parent", _("parent with custody")

    class Answer(models.TextChoices):
        YES = "yes", _("yes")
        NO = "no", _("no")

    young_person = models.ForeignKey(YoungPerson, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=30, choices=ConsentPurpose.choices)
    # Empty for a young person without an account whose answer a professional recorded: their answer is theirs
    # (given_as), and once they have an account they may take it back.
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    given_as = models.CharField(_("given as"), max_length=20, choices=GivenAs.choices)
    # A no is recorded too when a professional writes down what someone said; only a standing yes counts.
    answer = models.CharField(_("answer"), max_length=3, choices=Answer.choices, default=Answer.YES)
    # Set when a professional of the case wrote down an answer given in person or on paper (not given in Dichtbij).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text_version = models.CharField(_("text version"), max_length=20)
    given_at = models.DateTimeField(_("given at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["-given_at", "-id"]
        constraints = [
            # One standing consent per party and purpose; a withdrawn one may be followed by a new one.
            models.UniqueConstraint(
                fields=["young_person", "purpose", "given_by"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_standing_per_party",
            ),
            # The young person's own answer stands once, whether they gave it or a professional recorded it.
            models.UniqueConstraint(
                fields=["young_person", "purpose"],
                condition=Q(withdrawn_at__isnull=True, given_as="young_person"),
                name="consent_one_standing_young_person",
            ),
        ]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")


class NetworkPerson(models.Model):
    """Someone in a young person's network, as the young person sees them. Only a first name and how they are
    related: no address or phone until a nomination needs one (and then the mentors app asks for it)."""

    class Relation(models.TextChoices):
        FAMILY = "family", _("Family")
        FRIEND = "friend", _("Friend")
        NEIGHBOUR = "neighbour", _("Neighbour")
        SCHOOL = "school", _("School")
        SPORT = "sport", _("Sport or club")
        OTHER = "other", _("Other")

    class Closeness(models.IntegerChoices):
        # The rings of the network picture, from the inside out.
        VERY_CLOSE = 1, _("Very close")
        CLOSE = 2, _("Close")
        FURTHER = 3, _("Further away")

    young_person = models.ForeignKey(YoungPerson, on_delete=models.CASCADE, related_name="network")
    first_name = models.CharField(_("first name"), max_length=100)
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)
    relation_description = models.CharField(_("who they are"), max_length=100, blank=True)
    closeness = models.PositiveSmallIntegerField(_("how close"), choices=Closeness.choices)
    trusted = models.BooleanField(_("trusted"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        ordering = ["closeness", "first_name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(closeness__gte=1, closeness__lte=3), name="networkperson_closeness_1_3"),
            models.CheckConstraint(
                condition=Q(relation__in=["family", "friend", "neighbour", "school", "sport", "other"]),
                name="networkperson_relation_known",
            ),
            models.CheckConstraint(condition=~Q(first_name=""), name="networkperson_has_name"),
        ]
        verbose_name = _("person in the network")
        verbose_name_plural = _("people in the network")

    def __str__(self) -> str:
        return self.first_name


class MentorChoice(models.Model):
    """One place in the young person's ordered choice of up to three candidates for a JIM (1 = first choice).

    The mentors app picks these up to start a nomination. The database keeps the rules two requests could race
    on: ranks 1 to 3 and unique per young person (so at most three), and a person at most once. That the person
    belongs to the same young person is checked by the service (a composite key is not possible here).
    """

    young_person = models.ForeignKey(YoungPerson, on_delete=models.CASCADE, related_name="mentor_choices")
    person = models.OneToOneField(NetworkPerson, on_delete=models.CASCADE, related_name="mentor_choice")
    rank = models.PositiveSmallIntegerField(_("choice"))
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    chosen_at = models.DateTimeField(_("chosen at"), auto_now_add=True)

    class Meta:
        ordering = ["young_person", "rank"]
        constraints = [
            models.CheckConstraint(condition=Q(rank__gte=1, rank__lte=3), name="mentorchoice_rank_1_3"),
            models.UniqueConstraint(fields=["young_person", "rank"], name="mentorchoice_unique_rank"),
        ]
        verbose_name = _("choice of a mentor")
        verbose_name_plural = _("choices of a mentor")

    def __str__(self) -> str:
        return f"{self.rank}. {self.person}"


class NetworkSearch(models.Model):
    """A professional's record that they searched the network together with the young person (and with whom)."""

    young_person = models.ForeignKey(YoungPerson, on_delete=models.CASCADE, related_name="network_searches")
    searched_on = models.DateField(_("searched on"))
    with_whom = models.CharField(_("with whom"), max_length=200)
    outcome = models.CharField(_("outcome"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-searched_on", "-id"]
        verbose_name = _("network search")
        verbose_name_plural = _("network searches")

    def __str__(self) -> str:
        return f"{self.young_person} {self.searched_on}"


class BuddyRequest(models.Model):
    """A request for a volunteer buddy when the network has nobody who can be a mentor. The matching app picks up
    the waiting ones; at most one waits per young person (partial unique constraint: two clicks make one)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for matching")
        MATCHED = "matched", _("Matched with a buddy")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    young_person = models.ForeignKey(YoungPerson, on_delete=models.CASCADE, related_name="buddy_requests")
    # The case whose organisation asks; matching looks for buddies through it.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="buddy_requests")
    search = models.ForeignKey(NetworkSearch, on_delete=models.PROTECT, related_name="buddy_requests")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["young_person"], condition=Q(status="waiting"), name="buddyrequest_one_waiting"
            ),
        ]
        verbose_name = _("request for a buddy")
        verbose_name_plural = _("requests for a buddy")

    def __str__(self) -> str:
        return f"{self.young_person}: {self.get_status_display()}"


class YoungPersonInvitation(models.Model):
    """A single-use link that gives a young person (from 12) their own account, sent by SMS and/or email to their
    own number or address. Only a hash of the token is stored (core/links.py); a new link replaces the older ones
    (`revoked_at`); it is used once and expires. The number and address stay only while the link can be used: the
    account takes the one the link went to, and a replaced or used link forgets them."""

    young_person = models.ForeignKey(YoungPerson, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("works until"))
    by_sms = models.BooleanField(_("by SMS"), default=False)
    by_email = models.BooleanField(_("by email"), default=False)
    # Where the link went: the account gets this number and address, never one typed on the link's page.
    phone = models.CharField(_("mobile number"), max_length=20, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    opened_at = models.DateTimeField(_("first opened at"), null=True, blank=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("replaced at"), null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(by_sms=True) | Q(by_email=True), name="youngpersoninvitation_sent"),
            # At most one link works at a time; two invitations sent at once cannot both stay open.
            models.UniqueConstraint(
                fields=["young_person"],
                condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                name="youngpersoninvitation_one_open",
            ),
        ]
        verbose_name = _("invitation for an own account")
        verbose_name_plural = _("invitations for an own account")

    def __str__(self) -> str:
        return f"{self.young_person} {self.sent_at:%Y-%m-%d}"
