"""Writes about training: courses and sessions (coordinators), enrolment with a waiting list, cancelling (which
gives the place to the first person waiting), and attendance, which records the completed course."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Organisation, Role, User
from accounts.selectors import organisation_ids_where
from training.models import Course, CourseCompletion, Enrolment, Session
from volunteers.models import Volunteer, VolunteerKind


def _require_coordinator(actor: User, organisation_id: int) -> None:
    if organisation_id not in organisation_ids_where(actor, Role.COORDINATOR):
        raise ValidationError(_("Only a coordinator of the organisation can do this."))


def course_create(
    *,
    actor: User,
    organisation: Organisation,
    title: str,
    kind: str,
    for_kind: str = "",
    theme: str = "",
    description: str = "",
    active: bool = True,
) -> Course:
    """Add a course to an organisation the actor coordinates.

    A basic course is for one kind of volunteer and has no theme; a themed session has a theme and is for every
    kind. The field that does not apply to the chosen kind is left empty, so a form may send both.
    """
    _require_coordinator(actor, organisation.pk)
    if kind == Course.Kind.BASIC:
        theme = ""
        if for_kind not in VolunteerKind.values:
            raise ValidationError({"for_kind": _("Choose for which volunteers this basic course is.")})
    elif kind == Course.Kind.THEMED:
        for_kind = ""
        if theme not in Course.Theme.values:
            raise ValidationError({"theme": _("Choose the theme of this session.")})
    else:
        raise ValidationError({"kind": _("Choose a basic course or a themed session.")})
    if not title.strip():
        raise ValidationError({"title": _("Fill in a title.")})
    with transaction.atomic():
        return Course.objects.create(
            organisation=organisation,
            title=title.strip(),
            kind=kind,
            for_kind=for_kind,
            theme=theme,
            description=description.strip(),
            active=active,
        )


def session_create(
    *,
    actor: User,
    course: Course,
    starts_at: datetime,
    ends_at: datetime,
    trainer: str,
    capacity: int,
    place: str = "",
    online_link: str = "",
) -> Session:
    """Plan a session of an active course of an organisation the actor coordinates. It starts in the future, ends
    after it starts, has at least one place, and a place or an online link (or both)."""
    _require_coordinator(actor, course.organisation_id)
    errors: dict[str, str] = {}
    if not course.active:
        errors["course"] = _("This course is not active. Make it active first.")
    if starts_at <= timezone.now():
        errors["starts_at"] = _("The start must be in the future.")
    if ends_at <= starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    if capacity < 1:
        errors["capacity"] = _("A session has at least one place.")
    if not place.strip() and not online_link.strip():
        errors["place"] = _("Fill in a place, an online link, or both.")
    if online_link.strip():
        # The link becomes an <a href> on volunteers' pages: only web addresses, never javascript: and the like.
        try:
            URLValidator(schemes=["http", "https"])(online_link.strip())
        except ValidationError:
            errors["online_link"] = _("Fill in a web address that starts with https://.")
    if not trainer.strip():
        errors["trainer"] = _("Fill in the name of the trainer.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return Session.objects.create(
            course=course,
            starts_at=starts_at,
            ends_at=ends_at,
            place=place.strip(),
            online_link=online_link.strip(),
            trainer=trainer.strip(),
            capacity=capacity,
        )


def _enrolled_count(session: Session) -> int:
    return Enrolment.objects.filter(session=session, status=Enrolment.Status.ENROLLED).count()


def session_enrol(*, volunteer: Volunteer, session: Session, waiting_list: bool = False) -> Enrolment:
    """Enrol a volunteer in a session of their organisation, or put them on its waiting list.

    When the session is full this refuses with a message that the waiting list is open, unless `waiting_list` is
    true: then the volunteer joins the end of the waiting list. (With a free place, `waiting_list` changes
    nothing: the volunteer gets the place.) Refused too: a session that has started, an inactive course, another
    organisation's session, a volunteer who has stopped, and a second enrolment in the same session.

    Capacity is a race between simultaneous requests: the session row is locked (`select_for_update`) while the
    places are counted and the enrolment is written, so two volunteers never both get the last place. The unique
    (session, volunteer) constraint stops a double click from enrolling twice. (SQLite ignores the row lock; the
    production database is PostgreSQL.)
    """
    if volunteer.status == Volunteer.Status.STOPPED:
        raise ValidationError(_("A volunteer who has stopped cannot enrol."))
    try:
        with transaction.atomic():
            locked = Session.objects.select_for_update().select_related("course").get(pk=session.pk)
            if locked.course.organisation_id != volunteer.organisation_id:
                raise ValidationError(_("This training belongs to another organisation."))
            if not locked.course.active:
                raise ValidationError(_("This course is no longer given."))
            if locked.starts_at <= timezone.now():
                raise ValidationError(_("This session has already started or is over. You can no longer enrol."))
            existing = Enrolment.objects.filter(session=locked, volunteer=volunteer).first()
            if existing is not None and existing.status == Enrolment.Status.ENROLLED:
                raise ValidationError(_("There is already an enrolment for this session."))
            if existing is not None and existing.status == Enrolment.Status.WAITING:
                raise ValidationError(_("This enrolment is already on the waiting list."))
            full = _enrolled_count(locked) >= locked.capacity
            if full and not waiting_list:
                raise ValidationError(_("This session is full. You can join the waiting list."))
            status = Enrolment.Status.WAITING if full else Enrolment.Status.ENROLLED
            if existing is None:
                return Enrolment.objects.create(
                    session=locked, volunteer=volunteer, status=status, created_at=timezone.now()
                )
            # Enrolling again after cancelling: the same row, at the back of the queue.
            existing.status = status
            existing.created_at = timezone.now()
            existing.attended = None
            existing.save(update_fields=["status", "created_at", "attended"])
            return existing
    except IntegrityError:
        raise ValidationError(_("There is already an enrolment for this session.")) from None


def enrolment_cancel(*, enrolment: Enrolment) -> Enrolment | None:
    """Cancel an enrolment (or a place on the waiting list) before the session starts.

    A freed place goes in the same transaction to the first volunteer on the waiting list (longest waiting),
    who is emailed after the commit. Returns that promoted enrolment, or None when nobody moved up.

    Takes the same session row lock as `session_enrol`, so a promotion and a new enrolment cannot both take
    the freed place.
    """
    with transaction.atomic():
        session = Session.objects.select_for_update().select_related("course").get(pk=enrolment.session_id)
        current = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if current.status == Enrolment.Status.CANCELLED:
            raise ValidationError(_("This enrolment was already cancelled."))
        if session.starts_at <= timezone.now():
            raise ValidationError(_("This session has already started. You can no longer cancel."))
        was_enrolled = current.status == Enrolment.Status.ENROLLED
        current.status = Enrolment.Status.CANCELLED
        current.save(update_fields=["status"])
        enrolment.status = current.status
        if not was_enrolled or _enrolled_count(session) >= session.capacity:
            return None
        promoted = (
            Enrolment.objects.select_for_update()
            .filter(session=session, status=Enrolment.Status.WAITING)
            .select_related("volunteer__user")
            .order_by("created_at", "pk")
            .first()
        )
        if promoted is None:
            return None
        promoted.status = Enrolment.Status.ENROLLED
        promoted.save(update_fields=["status"])
        transaction.on_commit(lambda: _email_place_free(promoted, session))
        return promoted


def _email_place_free(enrolment: Enrolment, session: Session) -> None:
    if not enrolment.volunteer.user.email:  # an account reachable by phone only: the place shows on its pages
        return
    context = {
        "name": enrolment.volunteer.user.first_name,
        "session": session,
        "url": f"{settings.SITE_URL}{reverse('training:catalogue')}",
    }
    with translation.override(settings.LANGUAGE_CODE):
        send_mail(
            subject=_("A place is free for you: %(course)s") % {"course": session.course.title},
            message=render_to_string("training/email/place_free.txt", context),
            from_email=None,
            recipient_list=[enrolment.volunteer.user.email],
        )


def attendance_record(*, actor: User, enrolment: Enrolment, attended: bool) -> Enrolment:
    """Record whether an enrolled volunteer came to a session that has started (a coordinator of the session's
    organisation only).

    Present records the course as completed on the session's day (kept once per course: the first session that
    completed it). A correction to "not present" takes back the completion this session recorded, unless another
    session of the same course was attended: then that one counts.
    """
    with transaction.atomic():
        current = (
            Enrolment.objects.select_for_update().select_related("session__course", "volunteer").get(pk=enrolment.pk)
        )
        session = current.session
        _require_coordinator(actor, session.course.organisation_id)
        if current.status != Enrolment.Status.ENROLLED:
            raise ValidationError(_("Only people with a place in the session can be marked present or absent."))
        if session.starts_at > timezone.now():
            raise ValidationError(_("You can fill in attendance once the session has started."))
        current.attended = attended
        current.attendance_recorded_at = timezone.now()
        current.attendance_recorded_by = actor
        current.save(update_fields=["attended", "attendance_recorded_at", "attendance_recorded_by"])
        volunteer, course = current.volunteer, session.course
        if attended:
            CourseCompletion.objects.get_or_create(
                volunteer=volunteer,
                course=course,
                defaults={"completed_on": timezone.localdate(session.starts_at), "session": session},
            )
        else:
            CourseCompletion.objects.filter(volunteer=volunteer, course=course, session=session).delete()
            other = (
                Enrolment.objects.filter(volunteer=volunteer, session__course=course, attended=True)
                .select_related("session")
                .order_by("session__starts_at", "pk")
                .first()
            )
            if other is not None:
                CourseCompletion.objects.get_or_create(
                    volunteer=volunteer,
                    course=course,
                    defaults={"completed_on": timezone.localdate(other.session.starts_at), "session": other.session},
                )
        enrolment.attended = current.attended
        return current
