"""A support-family match's agreements and reviews: activating needs agreements in force, reviews every six months
with a reminder two weeks before (idempotent), the next review after one is held, and the notices to the parties."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from agreements.selectors import agreement_of, agreementversion_in_force
from hostfamilies import services
from hostfamilies.models import MatchReview, SupportFamilyMatch
from hostfamilies.services import _add_months
from hostfamilies.states import State
from hostfamilies.tasks import match_review_reminder
from tests.builders.hostfamilies import advance, request_for, support_family
from tests.conftest import World
from tests.factories import SUPPORT_FAMILY_TEXTS, agreement_in_force
from volunteers.models import Volunteer

TODAY = timezone.localdate()
TASK = "hostfamilies.tasks.match_review_reminder"
runs_the_worker = pytest.mark.django_db(transaction=True)


@pytest.fixture
def host(world: World) -> Volunteer:
    return support_family(world.organisation, world.coordinator, user=world.volunteer)


@pytest.fixture
def match(world: World, host: Volunteer) -> SupportFamilyMatch:
    return services.match_propose(actor=world.coordinator, request=request_for(world), volunteer=host)


def activate(world: World, match: SupportFamilyMatch) -> SupportFamilyMatch:
    return advance(world, match, State.ACTIVE)


def record(world: World, match: SupportFamilyMatch, held_on: date = TODAY, **extra: Any) -> MatchReview:
    values = {"family_view": "Goed", "host_view": "Fijn", "agreed_next": "We gaan zo door", **extra}
    return services.matchreview_record(actor=world.coordinator, match=match, held_on=held_on, **values)


def test_continuing_after_the_trial_needs_agreements_both_families_agreed_to(
    world: World, match: SupportFamilyMatch
) -> None:
    match = advance(world, match, State.TRIAL)
    with pytest.raises(ValidationError, match=r"akkoord|agree"):
        services.match_move(actor=world.coordinator, match=match, move="activate")
    version = services.match_agreement_propose(
        actor=world.coordinator, match=match, sections=dict(SUPPORT_FAMILY_TEXTS)
    )
    services.match_agreement_agree(actor=world.parent, match=match, version=version)
    with pytest.raises(ValidationError):
        services.match_move(actor=world.coordinator, match=match, move="activate")
    assert SupportFamilyMatch.objects.get(pk=match.pk).state == State.TRIAL
    services.match_agreement_agree(actor=world.volunteer, match=match, version=version)
    assert services.match_move(actor=world.coordinator, match=match, move="activate").state == State.ACTIVE


def test_the_signatories_are_the_parents_with_custody_and_the_support_family(
    world: World, match: SupportFamilyMatch
) -> None:
    match = advance(world, match, State.APPROVED)
    version = services.match_agreement_propose(
        actor=world.professional, match=match, sections=dict(SUPPORT_FAMILY_TEXTS)
    )
    assert {(s.user, s.party) for s in version.signatures.all()} == {
        (world.parent, "parent"),
        (world.volunteer, "support_family"),
    }


@pytest.mark.parametrize("state", [State.PROPOSED, State.INTRODUCTION, State.BOTH_YES, State.STOPPED])
def test_agreements_are_made_only_from_the_approval_until_the_end(
    world: World, match: SupportFamilyMatch, state: str
) -> None:
    match = advance(world, match, state)
    with pytest.raises(ValidationError):
        services.match_agreement_propose(actor=world.coordinator, match=match, sections=dict(SUPPORT_FAMILY_TEXTS))


def test_the_first_version_by_coordinator_or_professional_and_any_party_changes_it(
    world: World, match: SupportFamilyMatch
) -> None:
    match = advance(world, match, State.TRIAL)
    for family_member in (world.parent, world.volunteer):
        with pytest.raises(PermissionDenied):
            services.match_agreement_propose(actor=family_member, match=match, sections=dict(SUPPORT_FAMILY_TEXTS))
    with pytest.raises(PermissionDenied):
        services.match_agreement_propose(actor=world.outsider, match=match, sections=dict(SUPPORT_FAMILY_TEXTS))
    first = agreement_in_force(match, world.coordinator)
    second = services.match_agreement_propose(
        actor=world.volunteer,
        match=match,
        sections={**SUPPORT_FAMILY_TEXTS, "house_rules": "Geen tablet aan tafel."},
        change_note="Tablet",
    )
    agreement = agreement_of(match)
    assert agreement is not None and agreementversion_in_force(agreement) == first
    services.match_agreement_agree(actor=world.parent, match=match, version=second)
    services.match_agreement_agree(actor=world.volunteer, match=match, version=second)
    assert agreementversion_in_force(agreement) == second
    # An old version, or one of another match, is refused.
    with pytest.raises(ValidationError):
        services.match_agreement_agree(actor=world.parent, match=match, version=first)


def test_activating_plans_the_first_review_six_months_on_with_a_reminder_two_weeks_before(
    world: World, match: SupportFamilyMatch
) -> None:
    match = activate(world, match)
    review = MatchReview.objects.get(match=match)
    assert (review.due_on, review.held_on) == (_add_months(TODAY, 6), None)
    task = DBTaskResult.objects.get(task_path=TASK)
    assert task.args_kwargs["args"] == [review.pk]
    remind_on = review.due_on - timedelta(weeks=2)
    assert timezone.localtime(task.run_after).date() == remind_on
    assert task.run_after > timezone.now()


def test_add_months_keeps_the_day_or_takes_the_last_of_a_short_month() -> None:
    assert _add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert _add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert _add_months(date(2026, 1, 15), 6) == date(2026, 7, 15)
    assert _add_months(date(2026, 9, 1), 6) == date(2027, 3, 1)


def test_the_reminder_goes_to_the_coordinators_and_both_families_once(
    world: World, match: SupportFamilyMatch, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    match = activate(world, match)
    review = MatchReview.objects.get(match=match)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.matchreview_remind(review_id=review.pk) is True
    assert {address for email in mailoutbox for address in email.to} == {
        world.coordinator.email,
        world.parent.email,
        world.volunteer.email,
    }
    assert "Sanne" not in mailoutbox[0].body, "no names in a notice"
    assert MatchReview.objects.get(pk=review.pk).reminder_sent_on == TODAY
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.matchreview_remind(review_id=review.pk) is False
    assert not mailoutbox


def test_the_reminder_does_nothing_for_a_held_review_or_a_finished_match(
    world: World, match: SupportFamilyMatch
) -> None:
    match = activate(world, match)
    first = MatchReview.objects.get(match=match)
    record(world, match)
    assert services.matchreview_remind(review_id=first.pk) is False, "held"
    planned = MatchReview.objects.get(match=match, held_on__isnull=True)
    services.match_move(actor=world.parent, match=match, move="stop", reason="Verhuisd")
    assert not MatchReview.objects.filter(pk=planned.pk).exists(), "a stopped match has no planned review"
    assert services.matchreview_remind(review_id=planned.pk) is False
    assert MatchReview.objects.filter(match=match).count() == 1, "the held review is kept"


def test_an_ended_match_has_no_planned_review(world: World, match: SupportFamilyMatch) -> None:
    match = advance(world, match, State.ENDED)
    assert not MatchReview.objects.filter(match=match).exists()


@runs_the_worker
def test_the_reminder_task_runs_when_due_and_only_once(
    world: World, match: SupportFamilyMatch, mailoutbox: list[Any]
) -> None:
    match = activate(world, match)
    mailoutbox.clear()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert not mailoutbox, "not due yet"
    task = DBTaskResult.objects.get(task_path=TASK)
    DBTaskResult.objects.filter(pk=task.pk).update(run_after=timezone.now() - timedelta(minutes=1))
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert len(mailoutbox) == 3
    # Run again (a retry, a second worker): nothing more is sent.
    review = MatchReview.objects.get(match=match)
    match_review_reminder.enqueue(review.pk)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert len(mailoutbox) == 3
    assert DBTaskResult.objects.filter(task_path=TASK, status="SUCCESSFUL").count() == 2


def test_recording_a_review_plans_the_next_one_six_months_later(world: World, match: SupportFamilyMatch) -> None:
    match = activate(world, match)
    held = record(world, match, family_view="  Goed  ")
    assert (held.held_on, held.recorded_by, held.family_view) == (TODAY, world.coordinator, "Goed")
    planned = MatchReview.objects.get(match=match, held_on__isnull=True)
    assert planned.due_on == _add_months(TODAY, 6)
    assert DBTaskResult.objects.filter(task_path=TASK).count() == 2
    # A form sent twice does not fill in the next review too.
    with pytest.raises(ValidationError):
        record(world, match)
    assert MatchReview.objects.filter(match=match, held_on__isnull=True).get() == planned


def test_a_review_is_checked(world: World, match: SupportFamilyMatch) -> None:
    trial = advance(world, match, State.TRIAL)
    with pytest.raises(ValidationError):
        record(world, trial)
    agreement_in_force(trial, world.coordinator)
    match = services.match_move(actor=world.coordinator, match=trial, move="activate")
    with pytest.raises(ValidationError) as future:
        record(world, match, held_on=TODAY + timedelta(days=1))
    assert set(future.value.message_dict) == {"held_on"}
    with pytest.raises(ValidationError):
        record(world, match, held_on=TODAY - timedelta(days=1))  # before the match started
    with pytest.raises(ValidationError) as empty:
        record(world, match, family_view=" ", agreed_next="")
    assert set(empty.value.message_dict) == {"family_view", "agreed_next"}
    for persona in ("parent", "volunteer", "outsider", "mentor"):
        with pytest.raises(PermissionDenied):
            services.matchreview_record(
                actor=world.by_role(persona),
                match=match,
                held_on=TODAY,
                family_view="a",
                host_view="b",
                agreed_next="c",
            )
    review = services.matchreview_record(
        actor=world.professional, match=match, held_on=TODAY, family_view="a", host_view="b", agreed_next="c"
    )
    assert review.recorded_by == world.professional


def recipients(mailoutbox: list[Any]) -> set[str]:
    return {address for email in mailoutbox for address in email.to}


def test_the_other_parties_hear_of_each_step(
    world: World, host: Volunteer, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        match = services.match_propose(actor=world.coordinator, request=request_for(world), volunteer=host)
    assert {world.parent.email, world.volunteer.email} <= recipients(mailoutbox)
    assert world.coordinator.email not in {
        a for e in mailoutbox if "voorgesteld" in e.body or "proposed" in e.body for a in e.to
    }

    match = advance(world, match, State.INTRODUCTION)
    services.match_move(actor=world.parent, match=match, move="family_yes")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        match = services.match_move(actor=world.volunteer, match=match, move="host_yes")
    assert match.state == State.BOTH_YES
    assert recipients(mailoutbox) == {world.coordinator.email, world.professional.email, world.parent.email}

    match = services.match_move(actor=world.professional, match=match, move="approve")
    match = services.match_move(actor=world.coordinator, match=match, move="start_trial")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        version = services.match_agreement_propose(
            actor=world.coordinator, match=match, sections=dict(SUPPORT_FAMILY_TEXTS)
        )
    assert recipients(mailoutbox) == {world.parent.email, world.volunteer.email}, "those who must agree"
    services.match_agreement_agree(actor=world.parent, match=match, version=version)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.match_agreement_agree(actor=world.volunteer, match=match, version=version)
    assert recipients(mailoutbox) == {world.coordinator.email, world.professional.email, world.parent.email}

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.match_move(actor=world.coordinator, match=match, move="activate")
    assert recipients(mailoutbox) == {world.professional.email, world.parent.email, world.volunteer.email}

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.match_move(actor=world.parent, match=match, move="stop", reason="Verhuisd")
    assert recipients(mailoutbox) == {world.coordinator.email, world.professional.email, world.volunteer.email}
    assert all("Sanne" not in email.body and "Verhuisd" not in email.body for email in mailoutbox)
