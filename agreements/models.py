"""Written agreements (afspraken) that several parties agree to, version by version.

One `Agreement` belongs to one subject of another app (a support-family match, later a JIM mentorship), attached by
content type and object id. Every change is a new `AgreementVersion` that each required party signs again with an
`AgreementSignature`; a version is in force from the moment the last of them agreed. The owning app decides who
may see and propose; this app only keeps the versions and who agreed when. Changes go through
`agreements.services` only.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Agreement(models.Model):
    class Kind(models.TextChoices):
        SUPPORT_FAMILY = "support_family", _("support-family agreements")
        JIM = "jim", _("JIM agreements")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        constraints = [
            # One agreement per subject: every change is a new version of it, never a second agreement.
            models.UniqueConstraint(fields=["content_type", "object_id"], name="agreement_one_per_subject"),
        ]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.content_type_id}:{self.object_id})"


class AgreementVersion(models.Model):
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="versions", verbose_name=_("agreement")
    )
    number = models.PositiveIntegerField(_("version"))
    # {section key: text}; the keys are the kind's sections (agreements/kinds.py).
    sections = models.JSONField(_("texts"), default=dict)
    change_note = models.TextField(_("what changed"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept when the account is erased, so the history still says who proposed it.
    proposed_by_name = models.CharField(_("proposed by"), max_length=150, blank=True)
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    # Set once, when the last required party agreed.
    in_force_at = models.DateTimeField(_("in force since"), null=True, blank=True)

    class Meta:
        ordering = ["agreement", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="agreementversion_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="agreementversion_number_positive"),
        ]
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")

    def __str__(self) -> str:
        return f"{self.agreement} v{self.number}"


class SignatoryParty(models.TextChoices):
    """As whom someone agrees. The owning app chooses; these are the parties of both kinds."""

    YOUNG_PERSON = "young_person", _("young person")
    PARENT = "parent", _("parent")
    SUPPORT_FAMILY = "support_family", _("support family")
    MENTOR = "mentor", _("mentor")
    PROFESSIONAL = "professional", _("professional")


class AgreementSignature(models.Model):
    version = models.ForeignKey(
        AgreementVersion, on_delete=models.CASCADE, related_name="signatures", verbose_name=_("version")
    )
    # SET_NULL, not CASCADE or PROTECT: erasing an account must neither erase the evidence that this person agreed
    # nor be blocked by it. `name` keeps who it was.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="agreement_signatures"
    )
    name = models.CharField(_("name"), max_length=150)
    party = models.CharField(_("agrees as"), max_length=20, choices=SignatoryParty.choices)
    agreed_at = models.DateTimeField(_("agreed at"), null=True, blank=True)

    class Meta:
        ordering = ["version", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="agreementsignature_one_per_user"),
        ]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")

    def __str__(self) -> str:
        return f"{self.name} – {self.version}"
