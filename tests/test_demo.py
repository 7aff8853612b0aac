from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Municipality, Region, User
from agreements.selectors import agreement_in_force_exists
from demo.world import VOLUNTEER_CENTRE, email_for
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.selectors import match_reviews, waiting_list_positions
from hostfamilies.states import State
from respite.models import RespiteOption, Stay
from respite.selectors import nights_booked, stays_to_decide


def _counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_demo_world_loads_twice_without_changing_anything(db: None, settings: Any, tmp_path: Path) -> None:
    settings.MATCHING_MODEL_DIR = str(tmp_path)
    call_command("demo_load")
    first = _counts()
    trained = (tmp_path / "current.json").read_text()
    call_command("demo_load")
    assert _counts() == first
    assert first["youth.YoungPerson"] >= 4
    assert (tmp_path / "current.json").read_text() == trained, "the fit model is trained once, not on every load"


def test_demo_world_uses_the_regions_named_in_the_sources_and_has_support_families_respite_and_a_waiting_list(
    db: None, settings: Any, tmp_path: Path
) -> None:
    settings.MATCHING_MODEL_DIR = str(tmp_path)
    call_command("demo_load")
    _assert_support_families_and_respite()
    _assert_the_broker_conversation_and_reminders()
    assert Municipality.objects.filter(region__name="Holland Rijnland").count() == 13
    assert {"Leiden", "Alphen aan den Rijn", "Katwijk", "Maastricht", "Heerlen", "Amersfoort"} <= set(
        Municipality.objects.values_list("name", flat=True)
    )
    assert {"Holland Rijnland", "Zuid-Limburg", "Eemland", "West-Brabant-West"} <= set(
        Region.objects.values_list("name", flat=True)
    )


def _assert_support_families_and_respite() -> None:
    """What the demo shows of issue #5: a match in its trial period and a running one with an agreement in force
    and a review planned; families waiting for a support family, with their place and waiting time; a stay house
    and a family's beds with confirmed stays, a waiting list and requests for the coordinator to decide; and on no
    night, at no option (the made-up history's house too), more confirmed stays than beds."""
    matches = {m.request.case.young_person.first_name: m for m in SupportFamilyMatch.objects.select_related("request")}
    assert matches["Daan"].state == State.TRIAL
    running = matches["Sanne"]
    assert running.state == State.ACTIVE
    assert agreement_in_force_exists(running)
    assert match_reviews(running)[0] is not None

    waiting = {
        r.case.young_person.first_name: r
        for r in SupportRequest.objects.filter(
            status=SupportRequest.Status.WAITING, organisation__name=VOLUNTEER_CENTRE
        )
    }
    assert {"Noah", "Mees"} <= set(waiting)
    # Noah asked 38 days ago, Mees 12: Noah is first in line, and the pages show how long each waits.
    positions = waiting_list_positions(waiting.values())
    assert positions[waiting["Noah"].pk] == (1, len(waiting))
    assert positions[waiting["Mees"].pk][0] > 1
    assert (timezone.now() - waiting["Noah"].created_at).days == 38

    peter = User.objects.get(email=email_for("peter"))
    house = RespiteOption.objects.get(name="Logeerhuis De Linde (demo)")
    assert (house.coordinator, house.active, house.beds_per_night) == (peter, True, 2)
    assert RespiteOption.objects.filter(kind=RespiteOption.Kind.SUPPORT_FAMILY_BEDS, active=True).exists()
    requested, waiting_stays = stays_to_decide(peter)
    assert len(requested) == 2
    assert [stay.case.young_person.first_name for stay in waiting_stays] == ["Daan"]
    assert Stay.objects.filter(option=house, status=Stay.Status.CONFIRMED).count() >= 3
    # The history's house is closed for bookings: nobody who logs in to the demo coordinates it.
    assert not RespiteOption.objects.get(name="Voorbeeld-logeerhuis").active

    for option in RespiteOption.objects.all():
        stays = Stay.objects.filter(option=option, status=Stay.Status.CONFIRMED)
        if stays.exists():
            first = min(stay.arrival for stay in stays)
            last = max(stay.departure for stay in stays)
            booked = nights_booked(option, first, last)
            assert max(booked.values()) <= option.beds_per_night, option.name


def _assert_the_broker_conversation_and_reminders() -> None:
    """What the demo shows of the broker's work in #8: Sanne's family talks with Ahmed in the conversation of the
    request (Lisa reads along), and the referral that waits for its 3-month follow-up has a reminder planned."""
    from django_tasks_db.models import DBTaskResult

    from community.models import Referral
    from community.states import State as ReferralState
    from messaging.models import Conversation

    conversation = Conversation.objects.get(
        kind=Conversation.Kind.BROKER, broker_request__case__young_person__first_name="Sanne"
    )
    members = {m.user.first_name: m.party for m in conversation.members.filter(left_at__isnull=True)}
    assert members == {"Ahmed": "broker", "Marieke": "parent", "Sanne": "young_person", "Lisa": "professional"}
    assert conversation.messages.count() == 4
    waiting = Referral.objects.get(state=ReferralState.TAKING_PART, request=conversation.broker_request)
    planned = DBTaskResult.objects.filter(task_path="community.tasks.referral_follow_up_reminder")
    assert [waiting.pk, "follow_up_3_months"] in [task.args_kwargs["args"] for task in planned]
