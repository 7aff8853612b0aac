"""Training of volunteers: courses, the sessions in which they are given, enrolments with a waiting list,
attendance, and the courses a volunteer has completed (which decide, with screening, whether they are matchable).

Rows change only through `training.services`; the rules of who may see what are in `training.selectors`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Organisation
from volunteers.models import Volunteer, VolunteerKind


class Course(models.Model):
    """A course an organisation gives: a basic course for one kind of volunteer, or a themed follow-up session
    (intervision) on a subject such as autism or debt."""

    class Kind(models.TextChoices):
        BASIC = "basic", _("Basic course")
        THEMED = "themed", _("Themed session (follow-up)")

    class Theme(models.TextChoices):
        AUTISM = "autism", _("Autism")
        ADHD = "adhd", _("ADHD")
        DIVORCE = "divorce", _("(Fighting) divorce")
        DEBT = "debt", _("Debt")
        ALCOHOL_DRUGS = "alcohol_drugs", _("Alcohol and drugs")
        LVB = "lvb", _("Mild intellectual disability (LVB)")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="courses", verbose_name=_("organisation")
    )
    title = models.CharField(_("title"), max_length=150)
    kind = models.CharField(_("kind of course"), max_length=10, choices=Kind.choices)
    for_kind = models.CharField(
        _("for which volunteers"),
        max_length=20,
        choices=VolunteerKind.choices,
        blank=True,
        help_text=_("Only for a basic course."),
    )
    theme = models.CharField(
        _("theme"), max_length=20, choices=Theme.choices, blank=True, help_text=_("Only for a themed session.")
    )
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Volunteers only see active courses and can only enrol in those.")
    )

    class Meta:
        # "basic" sorts before "themed": a volunteer sees the basic courses first.
        ordering = ["kind", "title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="basic") & Q(theme="") & ~Q(for_kind=""))
                | (Q(kind="themed") & Q(for_kind="") & ~Q(theme="")),
                name="course_basic_has_kind_themed_has_theme",
            ),
        ]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # The admin shows these next to the fields; the check constraint above is the backstop.
        if self.kind == self.Kind.BASIC:
            if not self.for_kind:
                raise ValidationError({"for_kind": _("Choose for which volunteers this basic course is.")})
            if self.theme:
                raise ValidationError({"theme": _("A basic course has no theme.")})
        elif self.kind == self.Kind.THEMED:
            if not self.theme:
                raise ValidationError({"theme": _("Choose the theme of this session.")})
            if self.for_kind:
                raise ValidationError({"for_kind": _("A themed session is for every volunteer: leave this empty.")})


class CourseRequirement(models.Model):
    """A course an organisation requires of one kind of volunteer before they can be matched.

    When an organisation has no rows at all, every active basic course of the organisation for the volunteer's
    kinds is required (see `training.selectors.required_courses_missing`).
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="course_requirements", verbose_name=_("organisation")
    )
    kind = models.CharField(_("kind of volunteer"), max_length=20, choices=VolunteerKind.choices)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="requirements", verbose_name=_("course"))

    class Meta:
        ordering = ["organisation", "kind", "course"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind", "course"], name="courserequirement_unique")
        ]
        verbose_name = _("required course")
        verbose_name_plural = _("required courses")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.course}"

    def clean(self) -> None:
        if self.course_id and self.organisation_id and self.course.organisation_id != self.organisation_id:
            raise ValidationError({"course": _("Choose a course of this organisation.")})


class Session(models.Model):
    """One time a course is given: when, where (a place, an online link or both), by whom, for how many."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("course"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("The address. Leave empty for an online session.")
    )
    online_link = models.URLField(
        _("online link"), blank=True, help_text=_("The link to the video call. Leave empty if there is none.")
    )
    trainer = models.CharField(_("trainer"), max_length=150)
    capacity = models.PositiveSmallIntegerField(_("places"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_at_least_one"),
            models.CheckConstraint(condition=~Q(place="") | ~Q(online_link=""), name="session_has_place_or_link"),
        ]
        # With a context: Django's own catalogue translates a bare "session" as a login session.
        verbose_name = pgettext_lazy("training", "session")
        verbose_name_plural = pgettext_lazy("training", "sessions")

    def __str__(self) -> str:
        return f"{self.course} ({timezone.localtime(self.starts_at):%Y-%m-%d %H:%M})"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if not self.place and not self.online_link:
            errors["place"] = _("Fill in a place, an online link, or both.")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The end must be after the start.")
        if errors:
            raise ValidationError(errors)


class Enrolment(models.Model):
    """A volunteer's place in a session, or their place on its waiting list."""

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("enrolled")
        WAITING = "waiting", _("on the waiting list")
        CANCELLED = "cancelled", _("cancelled")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("session"))
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("volunteer")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ENROLLED)
    # None until the coordinator marks it after the session started.
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    # The moment of the latest enrolment: it is reset when a cancelled volunteer enrols again, so the waiting
    # list (oldest first) stays fair.
    created_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)
    attendance_recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "volunteer"], name="enrolment_one_per_volunteer_and_session")
        ]
        indexes = [models.Index(fields=["session", "status", "created_at"], name="enrolment_session_status")]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")

    def __str__(self) -> str:
        return f"{self.volunteer} – {self.session}"


class CourseCompletion(models.Model):
    """A course the volunteer has done: recorded when a coordinator marks them present at one of its sessions."""

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="course_completions", verbose_name=_("volunteer")
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="completions", verbose_name=_("course"))
    completed_on = models.DateField(_("completed on"))
    # The session whose attendance recorded it, so a corrected attendance can take it back.
    session = models.ForeignKey(Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-completed_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["volunteer", "course"], name="coursecompletion_one_per_course")]
        verbose_name = _("completed course")
        verbose_name_plural = _("completed courses")

    def __str__(self) -> str:
        return f"{self.volunteer} – {self.course}"
