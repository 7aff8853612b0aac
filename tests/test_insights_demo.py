"""The demo's made-up history for the figures: the demo analyst sees real numbers, the roll-up is made and its
nightly refresh queued, and the other demo people's own pages do not change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from demo.world import HISTORY_ORGANISATION, email_for
from hostfamilies.selectors import supportrequest_visible_to
from insights import selectors, suppression
from insights.models import TallyRun
from insights.scope import filters_from, insights_scope_for
from insights.services import dashboards_warm
from insights.sources import SOCIAL_BROKER
from volunteers.selectors import volunteer_visible_to
from youth.models import Case, YoungPerson
from youth.selectors import case_visible_to, youngperson_visible_to


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def demo(db: None, settings: Any, tmp_path: Path) -> None:
    settings.MATCHING_MODEL_DIR = str(tmp_path)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo_load")


def test_the_demo_analyst_sees_figures_and_the_other_demo_people_see_what_they_saw(demo: None, client: Client) -> None:
    femke = User.objects.get(email=email_for("femke"))
    scope = insights_scope_for(femke)
    assert scope is not None
    filters = filters_from(QueryDict(), scope)
    board = selectors.dashboard(scope, filters)
    shown = [c.value for f in board.forms for _label, cells, _t in f.summary.rows for c in cells]
    assert sum(value is not None for value in shown) >= 10, shown
    started = {str(f.form.label): f.summary.rows[1][1][0].value for f in board.forms}
    assert (started["JIM mentor"] or 0) >= 10 and (started["Support family"] or 0) >= 5
    assert (started["Social broker"] or 0) >= 5, "the history has broker requests too"
    broker = next(f for f in board.forms if f.form.key == SOCIAL_BROKER)
    assert (broker.waiting_median.value or 0) > 0 and broker.ended_by_reason is not None
    # The made-up requests keep their own dates (bulk_create would stamp them all "now": no waiting at all).
    assert (board.forms[0].waiting_median.value or 0) > 0 and board.forms[0].lasting_6.value is not None
    assert any(cells[0].value for _label, cells, _t in board.by_area.rows), "some municipality has a figure"
    client.force_login(femke)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("insights:dashboard")).content.decode()
    assert "Figures about groups" in page
    assert TallyRun.objects.count() == 1, "the page did not need to make the roll-up: demo_load did"

    # The history is made up and kept apart from the demo people.
    history = Case.objects.filter(organisation__name=HISTORY_ORGANISATION)
    assert 300 <= history.count() <= 500
    people = YoungPerson.objects.filter(cases__in=history)
    assert set(people.values_list("first_name", flat=True)) == {"Voorbeeld"}
    # Nobody who can log in with a demo button works there, and the demo people's own lists stay small.
    assert not User.objects.filter(roles__organisation__name=HISTORY_ORGANISATION).exists()
    for local in ("lisa", "peter", "eva", "ahmed", "bram"):
        user = User.objects.get(email=email_for(local))
        assert not case_visible_to(user).filter(pk__in=history).exists(), local
        assert case_visible_to(user).count() < 10, local
        assert youngperson_visible_to(user).count() < 10, local
        assert supportrequest_visible_to(user).filter(case__in=history).count() == 0, local
        assert not volunteer_visible_to(user).filter(organisation__name=HISTORY_ORGANISATION).exists(), local
    assert not User.objects.filter(volunteer__organisation__name=HISTORY_ORGANISATION, password__regex=r"^[^!]")


def test_loading_again_makes_no_second_history_roll_up_or_nightly_run(demo: None) -> None:
    cases, runs = Case.objects.count(), TallyRun.objects.count()
    call_command("demo_load")
    assert (Case.objects.count(), TallyRun.objects.count()) == (cases, runs)
    assert DBTaskResult.objects.filter(task_path="insights.tasks.tally_refresh_nightly", status="READY").count() == 1


def test_the_dashboards_are_worked_out_after_the_roll_up_so_a_first_view_solves_nothing(
    demo: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.clear()  # as after a new roll-up: no pattern of hidden cells known yet
    assert dashboards_warm() >= 2  # the demo analyst's region and the coordinators' organisations
    solve = suppression._suppress_together

    def only_what_is_never_cached(cubes: Any, links: Any, groups: Any) -> None:
        # Small tables are solved on every view (quicker than the cache); anything larger was worked out ahead.
        assert suppression._cache_key(cubes, groups) is None, "a first view solved what the warming should have"
        solve(cubes, links, groups)

    monkeypatch.setattr(suppression, "_suppress_together", only_what_is_never_cached)
    for who in ("femke", "peter"):
        scope = insights_scope_for(User.objects.get(email=email_for(who)))
        assert scope is not None
        selectors.dashboard(scope, filters_from(QueryDict(), scope))
