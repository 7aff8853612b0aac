"""Young people, their guardians, their cases (trajecten) and the consents they and their parents gave.

Only what support and matching need: no citizen service number (BSN), no diagnoses.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
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

    class Meta:
        ordering = ["first_name", "last_name", "id"]
        verbose_name = _("young person")
        verbose_name_plural = _("young people")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Guardianship(models.Model):
    class Kind(models.TextChoices):
        PARENT = "parent", _("Parent")
        GUARDIAN = "guardian", _("Guardian (voogd)")

    young_person = models.ForeignKey(YoungPerson, on_delete=models.CASCADE, related_name="guardianships")
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardianships", verbose_name=_("guardian")
    )
    kind = models.CharField(_("relation"), max_length=10, choices=Kind.choices, default=Kind.PARENT)
    has_custody = models.BooleanField(_("has custody (gezag)"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["young_person", "guardian"], name="guardianship_unique_pair"),
        ]
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")

    def __str__(self) -> str:
        return f"{self.guardian} → {self.young_person}"


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
    NETWORK_SHARING = "network_sharing", _("Sharing what is needed with a mentor or host family")


class Consent(models.Model):
    """One party's yes to one purpose, as it was shown to them; withdrawn rows stay as history."""

    class GivenAs(models.TextChoices):
        YOUNG_PERSON = "young_person", _("the young person")
        CUSTODIAL_PARENT = "custodial_parent", _("parent with custody")

    young_person = models.ForeignKey(YoungPerson, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=30, choices=ConsentPurpose.choices)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    given_as = models.CharField(_("given as"), max_length=20, choices=GivenAs.choices)
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
        ]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
