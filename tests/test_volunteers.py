"""Volunteer registration, screening, the readiness decision, VOG reminders, pausing and stopping."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from accounts.models import Organisation, Role, User
from tests.conftest import World
from tests.factories import MunicipalityFactory, OrganisationFactory, VolunteerFactory, user_with_role
from volunteers import services
from volunteers.models import (
    Household,
    Outcome,
    ScreeningRequirement,
    ScreeningStep,
    Volunteer,
    VolunteerKind,
    VolunteerPolicy,
)
from volunteers.selectors import (
    Stage,
    pipeline_rows,
    volunteer_pipeline_for,
    volunteer_readiness,
    volunteer_stage,
)

TODAY = timezone.localdate()
# The task worker closes its database connection when it is done, as between batches in production, so tests that
# run it cannot sit inside a test-case transaction.
runs_the_worker = pytest.mark.django_db(transaction=True)


def registration(**overrides: Any) -> dict[str, Any]:
    organisation, _ = Organisation.objects.get_or_create(
        name="Vrijwilligerscentrum", defaults={"kind": Organisation.Kind.VOLUNTEER_ORGANISATION}
    )
    data: dict[str, Any] = {
        "email": "anna@test.example",
        "first_name": "Anna",
        "last_name": "de Boer",
        "phone": "",
        "organisation": organisation,
        "kinds": [VolunteerKind.SUPPORT_FAMILY, VolunteerKind.BUDDY],
        "home_place": "Leiden",
        "home_postcode": "",
        "municipality": MunicipalityFactory(name="Leiden"),
        "travel_radius_km": 10,
        "capacity": 2,
        "availability": [(5, "afternoon"), (5, "overnight")],
        "unavailable_from": None,
        "unavailable_to": None,
        "experience": ["autism"],
        "interests": "voetbal, koken",
        "languages": ["nl"],
        "preferred_age_min": 6,
        "preferred_age_max": 12,
        "preferred_gender": "",
        "culture_or_religion": "",
        "household": services.HouseholdData(
            adults=["Anna", "Joost"], children=[("Sam", 8)], pets="een hond", smoking=False, beds_for_stays=1
        ),
    }
    return data | overrides


def test_registration_saves_the_household_and_invites_the_volunteer(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        volunteer = services.volunteer_register(**registration())
    assert volunteer is not None
    assert {r.kind for r in volunteer.roles.all()} == {VolunteerKind.SUPPORT_FAMILY, VolunteerKind.BUDDY}
    household = Household.objects.get(volunteer=volunteer)
    assert [(m.first_name, m.is_adult) for m in household.members.all()] == [
        ("Anna", True),
        ("Joost", True),
        ("Sam", False),
    ]
    assert volunteer.availability.count() == 2
    assert volunteer.user.roles.get().organisation == volunteer.organisation
    assert mail.outbox[0].to == ["anna@test.example"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"preferred_age_min": 14, "preferred_age_max": 12}, "preferred_age_max"),
        ({"home_place": "Atlantis"}, None),
        ({"kinds": []}, "kinds"),
        ({"availability": []}, "availability"),
        ({"household": None}, "adults"),
    ],
)
def test_bad_registrations_are_refused_and_save_nothing(db: None, overrides: dict[str, Any], field: str | None) -> None:
    with pytest.raises(ValidationError) as refused:
        services.volunteer_register(**registration(**overrides))
    if field:
        assert field in refused.value.message_dict
    assert not Volunteer.objects.exists()
    assert not User.objects.exists()


def test_a_second_registration_with_the_same_email_saves_nothing_and_tells_the_owner(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = services.volunteer_register(**registration())
    with django_capture_on_commit_callbacks(execute=True):
        assert services.volunteer_register(**registration(email="ANNA@test.example", first_name="Nep")) is None
    assert Volunteer.objects.count() == 1
    assert User.objects.count() == 1
    assert first is not None and first.user.first_name == "Anna"
    notice = mail.outbox[-1]
    assert notice.to == ["anna@test.example"]
    assert "Nep" not in notice.body
    assert "/accounts/login/" in notice.body and "/accounts/password/reset/" in notice.body


@pytest.fixture
def coordinator(db: None) -> User:
    return user_with_role(Role.COORDINATOR)


def screen_fully(volunteer: Volunteer, coordinator: User, *, issued: date | None = None) -> None:
    services.intake_record(actor=coordinator, volunteer=volunteer, held_on=TODAY, outcome=Outcome.POSITIVE, note="")
    for name in ("Piet", "Els"):
        reference = services.reference_add(volunteer=volunteer, name=name, relation="buur", contact="06")
        services.reference_record(reference=reference, contacted_on=TODAY, outcome=Outcome.POSITIVE)
    if volunteer.roles.filter(kind=VolunteerKind.SUPPORT_FAMILY).exists():
        services.home_visit_record(actor=coordinator, volunteer=volunteer, held_on=TODAY, outcome="positive", note="")
    issued = issued or TODAY
    vog = services.vog_request(volunteer=volunteer, requested_on=issued)
    services.vog_receive(
        actor=coordinator, vog=vog, received_on=TODAY, issued_on=issued, screening_profile="Minderjarigen"
    )


def readiness(volunteer: Volunteer, on: date | None = None) -> Any:
    return volunteer_readiness(Volunteer.objects.get(pk=volunteer.pk), on=on)


def test_readiness_names_every_missing_screening_step(db: None) -> None:
    volunteer = VolunteerFactory(kinds=[VolunteerKind.SUPPORT_FAMILY])
    result = readiness(volunteer)
    assert not result.matchable
    assert result.screening_missing == [
        ScreeningStep.INTAKE,
        ScreeningStep.REFERENCES,
        ScreeningStep.HOME_VISIT,
        ScreeningStep.VOG,
    ]
    assert len(result.reasons) == 4


def test_a_fully_screened_volunteer_is_matchable(db: None, coordinator: User) -> None:
    volunteer = VolunteerFactory(kinds=[VolunteerKind.SUPPORT_FAMILY])
    screen_fully(volunteer, coordinator)
    assert readiness(volunteer).matchable


def test_a_negative_intake_or_a_single_reference_is_not_enough(db: None, coordinator: User) -> None:
    volunteer = VolunteerFactory()
    screen_fully(volunteer, coordinator)
    services.intake_record(actor=coordinator, volunteer=volunteer, held_on=TODAY, outcome=Outcome.NEGATIVE, note="")
    assert readiness(volunteer).screening_missing == [ScreeningStep.INTAKE]
    services.intake_record(actor=coordinator, volunteer=volunteer, held_on=TODAY, outcome=Outcome.DOUBTS, note="")
    reference = volunteer.references.first()
    assert reference is not None
    services.reference_record(reference=reference, contacted_on=TODAY, outcome=Outcome.NEGATIVE)
    assert readiness(volunteer).screening_missing == [ScreeningStep.REFERENCES]


def test_an_expired_vog_makes_the_volunteer_unmatchable_on_the_day_after(db: None, coordinator: User) -> None:
    volunteer = VolunteerFactory()
    screen_fully(volunteer, coordinator, issued=TODAY - timedelta(days=30))
    valid_until = volunteer.vog_checks.get().valid_until
    assert valid_until is not None
    assert readiness(volunteer, on=valid_until).matchable
    expired = readiness(volunteer, on=valid_until + timedelta(days=1))
    assert not expired.matchable
    assert any("VOG" in reason for reason in expired.reasons)


def test_the_vog_validity_follows_the_organisation_policy(db: None, coordinator: User) -> None:
    volunteer = VolunteerFactory()
    VolunteerPolicy.objects.create(organisation=volunteer.organisation, vog_valid_years=1)
    screen_fully(volunteer, coordinator)
    assert volunteer.vog_checks.get().valid_until == TODAY.replace(year=TODAY.year + 1)


def test_screening_steps_are_configurable_per_organisation_and_kind(db: None) -> None:
    volunteer = VolunteerFactory(kinds=[VolunteerKind.SOCIAL_BROKER])
    ScreeningRequirement.objects.create(
        organisation=volunteer.organisation, kind=VolunteerKind.SOCIAL_BROKER, step=ScreeningStep.INTAKE
    )
    ScreeningRequirement.objects.create(
        organisation=volunteer.organisation, kind=VolunteerKind.SUPPORT_FAMILY, step=ScreeningStep.VOG
    )
    assert readiness(volunteer).screening_missing == [ScreeningStep.INTAKE]


@pytest.mark.parametrize(("status", "stage"), [("paused", Stage.PAUSED), ("stopped", Stage.STOPPED)])
def test_paused_and_stopped_volunteers_are_not_matchable(db: None, coordinator: User, status: str, stage: str) -> None:
    volunteer = VolunteerFactory()
    screen_fully(volunteer, coordinator)
    Volunteer.objects.filter(pk=volunteer.pk).update(status=status)
    result = readiness(volunteer)
    assert not result.matchable
    assert volunteer_stage(Volunteer.objects.get(pk=volunteer.pk), result) == stage


@runs_the_worker
def test_the_vog_reminder_is_scheduled_eight_weeks_before_expiry_and_sent_once(
    transactional_db: None, coordinator: User
) -> None:
    volunteer = VolunteerFactory()
    coordinator_of_volunteer = user_with_role(Role.COORDINATOR, volunteer.organisation)
    screen_fully(volunteer, coordinator)
    task = DBTaskResult.objects.get(task_path="volunteers.tasks.vog_expiry_reminder")
    valid_until = volunteer.vog_checks.get().valid_until
    assert valid_until is not None
    assert timezone.localtime(task.run_after).date() == valid_until - timedelta(weeks=8)

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert not mail.outbox, "not due yet"

    DBTaskResult.objects.filter(pk=task.pk).update(run_after=timezone.now() - timedelta(minutes=1))
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    [email] = mail.outbox
    assert set(email.to) == {volunteer.user.email, coordinator_of_volunteer.email}
    assert services.vog_remind(vog_id=volunteer.vog_checks.get().pk) is False, "only once"


@runs_the_worker
def test_a_vog_issued_long_ago_is_reminded_at_once(transactional_db: None, coordinator: User) -> None:
    volunteer = VolunteerFactory()
    screen_fully(volunteer, coordinator, issued=TODAY - timedelta(days=3 * 365 - 20))
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert len(mail.outbox) == 1


def test_stopping_erases_the_profile_after_the_retention_period(db: None, coordinator: User) -> None:
    volunteer = services.volunteer_register(**registration())
    assert volunteer is not None
    screen_fully(volunteer, coordinator)
    services.volunteer_stop(volunteer=volunteer)
    assert services.volunteer_erase(volunteer_id=volunteer.pk) is False, "not before the retention period"
    Volunteer.objects.filter(pk=volunteer.pk).update(erase_after=TODAY)
    assert services.volunteer_erase(volunteer_id=volunteer.pk) is True
    volunteer.refresh_from_db()
    assert (volunteer.interests, volunteer.experience, volunteer.languages) == ("", [], [])
    assert not Household.objects.filter(volunteer=volunteer).exists()
    assert not volunteer.references.exists()
    assert volunteer.vog_checks.get().checked_by == coordinator, "the proof of screening is kept"


def test_a_stopped_volunteer_cannot_resume(db: None) -> None:
    volunteer = VolunteerFactory()
    services.volunteer_stop(volunteer=volunteer)
    with pytest.raises(ValidationError):
        services.volunteer_resume(volunteer=volunteer)


def test_a_third_reference_and_future_dates_are_refused(db: None, coordinator: User) -> None:
    volunteer = VolunteerFactory()
    screen_fully(volunteer, coordinator)
    with pytest.raises(ValidationError):
        services.reference_add(volunteer=volunteer, name="Derde", relation="collega", contact="06")
    with pytest.raises(ValidationError):
        services.intake_record(
            actor=coordinator, volunteer=volunteer, held_on=TODAY + timedelta(days=1), outcome="positive", note=""
        )


def _stages(user: User) -> list[str]:
    return [row.stage for row in pipeline_rows(volunteer_pipeline_for(user))]


def test_the_pipeline_counts_each_stage_with_constant_queries(
    world: World, client: Client, django_assert_max_num_queries: Any
) -> None:
    organisation = world.organisation
    VolunteerFactory(organisation=organisation)
    screened = VolunteerFactory(organisation=organisation)
    screen_fully(screened, world.coordinator)
    VolunteerFactory(organisation=OrganisationFactory())  # another organisation's: not counted
    assert _stages(world.coordinator) == [Stage.REGISTERED, Stage.MATCHABLE]

    client.force_login(world.coordinator)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(reverse("volunteers:pipeline"))  # the first request also writes the session
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("volunteers:pipeline"))
    for _ in range(4):
        screen_fully(VolunteerFactory(organisation=organisation), world.coordinator)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("volunteers:pipeline"))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_volunteer_at_capacity_is_matched_and_not_matchable(world: World) -> None:
    from hostfamilies.services import match_move, match_propose, supportrequest_create

    family = VolunteerFactory(organisation=world.organisation, kinds=[VolunteerKind.SUPPORT_FAMILY], capacity=1)
    screen_fully(family, world.coordinator)
    assert readiness(family).matchable
    request = supportrequest_create(
        actor=world.coordinator, case=world.case, organisation=world.organisation, what_for="weekendopvang"
    )
    match = match_propose(actor=world.coordinator, request=request, volunteer=family)

    with translation.override("en"):
        full = readiness(family)
        rows = pipeline_rows(volunteer_pipeline_for(world.coordinator))
    assert (full.matchable, full.open_matches) == (False, 1)
    assert any("1 of 1" in reason for reason in full.reasons)
    assert [row.stage for row in rows] == [Stage.MATCHED]
    assert "1 of 1" in rows[0].next_action

    match_move(actor=world.coordinator, match=match, move="stop", reason="gezin verhuist")
    assert readiness(family).matchable
    assert _stages(world.coordinator) == [Stage.MATCHABLE]


def test_a_required_course_not_done_is_a_reason_until_it_is_completed(db: None, coordinator: User) -> None:
    from training.models import Course, CourseCompletion

    volunteer = VolunteerFactory()
    screen_fully(volunteer, coordinator)
    course = Course.objects.create(
        organisation=volunteer.organisation, title="Basistraining maatje", kind="basic", for_kind=VolunteerKind.BUDDY
    )
    with translation.override("en"):
        waiting = readiness(volunteer)
    assert waiting.courses_missing == ["Basistraining maatje"]
    assert waiting.reasons == ["Training not done yet: Basistraining maatje."]
    CourseCompletion.objects.create(volunteer=volunteer, course=course, completed_on=TODAY)
    assert readiness(volunteer).matchable


def test_nobody_can_register_a_volunteer_on_someone_elses_account(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert services.volunteer_register(**registration(email=world.parent.email)) is None
        assert (
            services.volunteer_register(**registration(email=world.parent.email), signed_in=world.professional) is None
        )
    assert not Volunteer.objects.filter(user=world.parent).exists()
    assert [message.to for message in mail.outbox] == [[world.parent.email]] * 2
    volunteer = services.volunteer_register(**registration(email=world.parent.email), signed_in=world.parent)
    assert volunteer is not None and volunteer.user == world.parent
