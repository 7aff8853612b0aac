"""What the demo world and its parts (demo.community) share: the published password, the domain of the made-up
background people, a screened volunteer who can be matched, and made-up messages in a conversation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import Municipality, Organisation, Role, User
from accounts.services import role_grant
from core.geo import geocode
from messaging.models import Conversation
from messaging.services.sending import message_send
from training.models import Course, CourseCompletion
from volunteers.models import Intake, Outcome, Reference, VogCheck, Volunteer, VolunteerRole

DEMO_PASSWORD = "dichtbij-demo"  # noqa: S105 - a published demo password
BACKGROUND_DOMAIN = "voorbeeld.dichtbij.example"


def screened_volunteer(
    centre: Organisation,
    coordinator: User,
    course: Course | None,
    kind: str,
    who: tuple[str, str, str, str],
    municipality: Municipality,
    capacity: int = 1,
    **profile: Any,
) -> Volunteer | None:
    """A background volunteer of `centre` (local part, first and last name, place) who can be matched: intake,
    two references, a VOG and `course` done (when one is required). None when they were made before (demo_load
    runs again)."""
    local, first, last, place = who
    today = timezone.localdate()
    email = f"{local}@{BACKGROUND_DOMAIN}"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, first_name=first, last_name=last)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    role_grant(user=user, role=Role.VOLUNTEER, organisation=centre)
    if Volunteer.objects.filter(user=user).exists():
        return None
    found = geocode(place)
    volunteer = Volunteer.objects.create(
        user=user,
        organisation=centre,
        home_place=found.name,
        municipality=municipality,
        latitude=found.latitude,
        longitude=found.longitude,
        travel_radius_km=15,
        capacity=capacity,
        **profile,
    )
    VolunteerRole.objects.create(volunteer=volunteer, kind=kind)
    Intake.objects.create(
        volunteer=volunteer, held_on=today - timedelta(days=30), outcome=Outcome.POSITIVE, recorded_by=coordinator
    )
    for name in ("Ria Vos", "Tom Bakker"):
        Reference.objects.create(
            volunteer=volunteer, name=name, relation="buur", contact="071-5550101", outcome=Outcome.POSITIVE
        )
    issued = today - timedelta(days=20)
    VogCheck.objects.create(
        volunteer=volunteer,
        requested_on=issued - timedelta(days=14),
        received_on=issued,
        issued_on=issued,
        checked_by=coordinator,
        valid_until=issued.replace(year=issued.year + 3),
    )
    if course is not None:
        CourseCompletion.objects.create(volunteer=volunteer, course=course, completed_on=today - timedelta(days=10))
    return volunteer


def demo_messages(
    conversation: Conversation | None, people: dict[str, User], lines: list[tuple[str, str]], *, prefix: str
) -> None:
    """Made-up messages in a demo conversation (none when it did not start), by demo person (email local part).
    Each has a fixed client id (`prefix`-number), so loading the demo again stores nothing twice."""
    if conversation is None:
        return
    for number, (local, text) in enumerate(lines, start=1):
        message_send(actor=people[local], conversation=conversation, body=text, client_msg_id=f"{prefix}-{number}")
