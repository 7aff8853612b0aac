"""The nightly refresh of the insights roll-up: when it runs, that exactly one waits in the queue, and that the
worker runs it and queues the next night's run."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from insights.models import TallyRun
from insights.services import tally_refresh_if_stale, tally_refresh_next_run, tally_refresh_schedule
from tests.factories import YoungPersonFactory
from youth.models import YoungPerson

TASK = "insights.tasks.tally_refresh_nightly"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
runs_the_worker = pytest.mark.django_db(transaction=True)


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


def queued() -> list[DBTaskResult[..., Any]]:
    return list(DBTaskResult.objects.filter(task_path=TASK, status="READY"))


def test_the_next_run_is_the_next_night_at_the_hour_in_local_time(settings: Any) -> None:
    assert settings.TIME_ZONE == "Europe/Amsterdam"
    assert tally_refresh_next_run(now=local(2026, 11, 25, 18, 0)) == local(2026, 11, 26, 3, 0)
    assert tally_refresh_next_run(now=local(2026, 11, 26, 2, 59)) == local(2026, 11, 26, 3, 0)
    assert tally_refresh_next_run(now=local(2026, 11, 26, 3, 0)) == local(2026, 11, 27, 3, 0)
    # Summer time starts on 28 March 2027 at 02:00: 03:00 is then 01:00 UTC, not 02:00.
    spring = tally_refresh_next_run(now=local(2027, 3, 27, 22, 0))
    assert spring == local(2027, 3, 28, 3, 0) and spring.utcoffset() == timedelta(hours=2)
    assert spring.astimezone(ZoneInfo("UTC")).hour == 1
    settings.INSIGHTS_REFRESH_HOUR = 5
    assert tally_refresh_next_run(now=local(2026, 11, 25, 18, 0)) == local(2026, 11, 26, 5, 0)


@runs_the_worker
def test_the_command_queues_one_nightly_run_and_running_it_again_queues_no_second() -> None:
    out = io.StringIO()
    call_command("insights_refresh", stdout=out)
    assert "Nightly refresh queued" in out.getvalue()
    [task] = queued()
    assert task.run_after == tally_refresh_next_run()
    assert timezone.localtime(task.run_after).hour == 3 and task.run_after > timezone.now()
    call_command("insights_refresh", stdout=io.StringIO())
    assert tally_refresh_schedule() is False
    assert [t.pk for t in queued()] == [task.pk]
    assert TallyRun.objects.count() == 2


@runs_the_worker
def test_the_worker_runs_it_when_due_and_it_queues_the_next_night() -> None:
    assert tally_refresh_schedule() is True
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert not TallyRun.objects.exists(), "not due yet"
    DBTaskResult.objects.filter(task_path=TASK).update(run_after=timezone.now() - timedelta(minutes=1))
    # A young person whose stored consent answer was made before a birthday of the rule (or never).
    young_person = YoungPersonFactory()
    YoungPerson.objects.filter(pk=young_person.pk).update(consent_complete=None, consent_age_band=None)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert TallyRun.objects.count() == 1
    young_person.refresh_from_db()
    assert young_person.consent_complete is not None and young_person.consent_age_band is not None
    assert DBTaskResult.objects.filter(task_path=TASK, status="SUCCESSFUL").count() == 1
    [following] = queued()
    assert following.run_after == tally_refresh_next_run() and following.run_after > timezone.now()
    # Another refresh (by hand, or by a page) does not add a second one.
    call_command("insights_refresh", stdout=io.StringIO())
    assert [t.pk for t in queued()] == [following.pk]


@runs_the_worker
def test_a_failed_refresh_still_queues_the_next_night(monkeypatch: pytest.MonkeyPatch) -> None:
    from insights import services

    def broken() -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "tally_refresh", broken)
    services.tally_refresh_schedule()
    DBTaskResult.objects.filter(task_path=TASK).update(run_after=timezone.now() - timedelta(minutes=1))
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert DBTaskResult.objects.filter(task_path=TASK, status="FAILED").count() == 1
    [following] = queued()
    assert following.run_after > timezone.now()


@pytest.mark.django_db
def test_a_page_that_finds_no_roll_up_makes_it_and_starts_the_chain() -> None:
    tally_refresh_if_stale()
    assert TallyRun.objects.count() == 1 and len(queued()) == 1
    tally_refresh_if_stale()  # fresh: nothing happens, no query on the queue either
    assert TallyRun.objects.count() == 1 and len(queued()) == 1
    TallyRun.objects.update(finished_at=timezone.now() - timedelta(days=2))
    tally_refresh_if_stale()
    assert TallyRun.objects.count() == 2 and len(queued()) == 1
