"""Follow-up reminders to the social broker: planned when a follow-up becomes a referral's next step, for the day it
is due; sent once, to the linked broker only, without names; nothing when the follow-up was recorded, the family
declined or stopped, or the request ended."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from community.brokers import services
from community.models import BrokerRequest, Referral
from community.states import State
from tests.builders.community import a_resource, linked_request
from tests.conftest import World

TODAY = timezone.localdate()
TASK = "community.tasks.referral_follow_up_reminder"
WEEK4, MONTH3 = "follow_up_4_weeks", "follow_up_3_months"


def contacted(world: World, *, days_ago: int = 0) -> tuple[Referral, Any]:
    """A referral of the world's case with first contact made `days_ago` days ago, and its broker."""
    request, broker = linked_request(world)
    referral = services.referral_record(
        user=broker.user, request=request, resource=a_resource(world), for_whom="young_person"
    )
    on = TODAY - timedelta(days=days_ago)
    for move in ("agree", "contact"):
        referral = services.referral_move(user=broker.user, referral=referral, move=move, on=on)
    return referral, broker


def planned() -> list[tuple[list[Any], Any]]:
    return [
        (task.args_kwargs["args"], timezone.localtime(task.run_after))
        for task in DBTaskResult.objects.filter(task_path=TASK).order_by("run_after")
    ]


def test_first_contact_plans_the_4_week_reminder_and_yes_then_the_3_month_one(world: World) -> None:
    referral, broker = contacted(world)
    [(args, run_after)] = planned()
    assert args == [referral.pk, WEEK4]
    assert (run_after.date(), run_after.hour) == (TODAY + timedelta(weeks=4), 9)
    services.referral_move(user=broker.user, referral=referral, move=WEEK4, answer="yes")
    [_first, (args, run_after)] = planned()
    assert args == [referral.pk, MONTH3]
    assert (run_after.date(), run_after.hour) == (TODAY + timedelta(weeks=13), 9)


@pytest.mark.parametrize("answer", ["no", "stopped"])
def test_no_3_month_reminder_is_planned_when_the_family_does_not_take_part(world: World, answer: str) -> None:
    referral, broker = contacted(world)
    services.referral_move(user=broker.user, referral=referral, move=WEEK4, answer=answer, reason="Te ver weg")
    assert [args[1] for args, _at in planned()] == [WEEK4]


def test_a_first_contact_recorded_late_is_reminded_at_once(world: World) -> None:
    contacted(world, days_ago=40)
    [(_args, run_after)] = planned()
    assert run_after <= timezone.localtime() + timedelta(seconds=5)


def test_the_broker_is_reminded_once_when_due_without_names(
    world: World, mailoutbox: list[EmailMessage], django_capture_on_commit_callbacks: Any
) -> None:
    referral, broker = contacted(world, days_ago=27)
    assert not services.referral_follow_up_remind(referral_id=referral.pk, follow_up=WEEK4), "due tomorrow"
    Referral.objects.filter(pk=referral.pk).update(first_contact_on=TODAY - timedelta(weeks=4))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.referral_follow_up_remind(referral_id=referral.pk, follow_up=WEEK4)
        assert not services.referral_follow_up_remind(referral_id=referral.pk, follow_up=WEEK4), "only once"
    [email] = mailoutbox
    assert email.to == [broker.user.email]
    assert f"/sociale-kaart/verbindingen/{referral.pk}/" in email.body
    assert "4 weken" in email.body
    for name in ("Sanne", world.case.young_person.first_name, referral.resource.name):
        assert name not in email.body and name not in email.subject
    assert Referral.objects.get(pk=referral.pk).week4_reminded_on == TODAY
    assert not services.referral_follow_up_remind(referral_id=referral.pk, follow_up=MONTH3), "not the next step"
    assert not services.referral_follow_up_remind(referral_id=987654, follow_up=WEEK4)
    assert not services.referral_follow_up_remind(referral_id=referral.pk, follow_up="unknown")


def test_the_3_month_reminder_is_sent_while_that_follow_up_is_open(
    world: World, mailoutbox: list[EmailMessage], django_capture_on_commit_callbacks: Any
) -> None:
    referral, broker = contacted(world, days_ago=13 * 7)
    referral = services.referral_move(user=broker.user, referral=referral, move=WEEK4, answer="yes")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.referral_follow_up_remind(referral_id=referral.pk, follow_up=MONTH3)
    [email] = mailoutbox
    assert "3 maanden" in email.body and email.to == [broker.user.email]
    assert Referral.objects.get(pk=referral.pk).month3_reminded_on == TODAY


@pytest.mark.parametrize(
    "change",
    ["recorded", "stopped", "request ended", "case closed"],
)
def test_nothing_is_sent_when_the_follow_up_no_longer_waits(
    world: World, mailoutbox: list[EmailMessage], django_capture_on_commit_callbacks: Any, change: str
) -> None:
    referral, broker = contacted(world, days_ago=30)
    if change == "recorded":
        services.referral_move(user=broker.user, referral=referral, move=WEEK4, answer="yes")
    elif change == "stopped":
        services.referral_move(user=broker.user, referral=referral, move=WEEK4, answer="stopped", reason="Verhuisd")
    elif change == "request ended":
        services.brokerrequest_end(user=world.professional, request=referral.request, reason="done")
    else:
        world.case.closed_on = TODAY
        world.case.save(update_fields=["closed_on"])
        services.brokerrequests_end_for_case(case=world.case)
    with django_capture_on_commit_callbacks(execute=True):
        assert not services.referral_follow_up_remind(referral_id=referral.pk, follow_up=WEEK4)
    assert not mailoutbox
    assert Referral.objects.get(pk=referral.pk).week4_reminded_on is None


def test_a_declined_referral_has_no_reminder(world: World) -> None:
    request, broker = linked_request(world)
    referral = services.referral_record(
        user=broker.user, request=request, resource=a_resource(world), for_whom="young_person"
    )
    referral = services.referral_move(user=broker.user, referral=referral, move="decline", reason="Geen tijd")
    assert referral.state == State.DECLINED
    assert planned() == []
    assert not services.referral_follow_up_remind(referral_id=referral.pk, follow_up=WEEK4)


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_reminder_when_it_is_due(world: World, mailoutbox: list[EmailMessage]) -> None:
    referral, broker = contacted(world, days_ago=10)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert not mailoutbox, "not due yet"
    Referral.objects.filter(pk=referral.pk).update(first_contact_on=TODAY - timedelta(weeks=5))
    DBTaskResult.objects.filter(task_path=TASK).update(run_after=timezone.now() - timedelta(minutes=1))
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    [email] = mailoutbox
    assert email.to == [broker.user.email]
    assert BrokerRequest.objects.get(pk=referral.request_id).is_open


def test_the_referral_page_says_when_the_next_follow_up_is_due(world: World, client: Any) -> None:
    referral, broker = contacted(world, days_ago=3)
    client.force_login(world.parent)
    due = (TODAY - timedelta(days=3) + timedelta(weeks=4)).strftime("%-d")
    page = client.get(f"/sociale-kaart/verbindingen/{referral.pk}/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert page.count("nog niet, te doen op") == 1 and f"te doen op {due} " in page
    services.referral_move(user=broker.user, referral=referral, move=WEEK4, answer="no", reason="Te ver weg")
    page = client.get(f"/sociale-kaart/verbindingen/{referral.pk}/").content.decode()
    assert "te doen op" not in page, "no follow-up is due once the family does not take part"
