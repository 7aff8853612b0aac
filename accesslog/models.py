"""The access log (NEN 7513): who looked at a young person's record, when, in which role, what, and from where."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from accesslog.whats import What
from accounts.models import Role, User


class AccessLogQuerySet(models.QuerySet["AccessLogEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The access log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The access log is append-only.")


class AccessLogEntry(models.Model):
    """Who looked at a young person's record (NEN 7513): when, who, in which role and organisation, what, where from.

    Append-only: the application never updates or deletes a row (the queryset and model refuse; on the
    database a trigger refuses updates too, migration 0001). Actor and subject are kept as snapshots as well as
    keys, so the row still says who it was when accounts change.
    """

    class Action(models.TextChoices):
        # The kinds of access NEN 7513 names: a closed list that features do not extend, so it stays a choice.
        VIEW = "view", _("viewed")
        CHANGE = "change", _("changed")
        EXPORT = "export", _("exported")

    # The codes of `what` and their labels (accesslog.whats): not database choices, so a new kind needs no migration.
    What: ClassVar[type[What]] = What

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("who"))
    actor_name = models.CharField(_("name"), max_length=300)
    actor_role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    actor_organisation = models.CharField(_("organisation"), max_length=150, blank=True)
    # A string, so that this app imports nothing of youth (it sits below it, pyproject.toml's layers).
    young_person = models.ForeignKey(
        "youth.YoungPerson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_log",
        verbose_name=_("whose record"),
        # The (young person, time) index below serves every lookup by young person; a second index of its own
        # would only cost each of the many inserts (every page that shows a name writes rows here).
        db_index=False,
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    what = models.CharField(_("what"), max_length=30)
    ip_address = models.GenericIPAddressField(_("from where"), null=True, blank=True)
    # For figures about groups: which page, area and period were shown (never a person).
    detail = models.CharField(_("which figures"), max_length=300, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["young_person", "-at"], name="accesslog_entry_subject_time")]
        constraints = [
            # Only a view of figures about groups has no subject; every other row names whose record it was.
            models.CheckConstraint(
                condition=models.Q(young_person__isnull=False) | models.Q(what="insights"),
                name="accesslog_entry_subject_unless_insights",
            )
        ]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The access log is append-only.")

    def get_what_display(self) -> str:
        """The label of `what` (the field has no choices, so Django makes no such method): the code when unknown."""
        return str(dict(What.choices).get(self.what, self.what))
