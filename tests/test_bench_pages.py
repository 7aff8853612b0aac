"""Smoke test of bench/pages.py: the quick region builds on the demo world with the invariants the services keep,
and one measuring round asks every page of the benchmark and gets an answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, Q

from bench.region import QUICK, build_region, clients_for, measure, pages, summary
from demo.world import demo_load
from volunteers.models import Volunteer
from volunteers.selectors import volunteer_readiness, with_readiness_data
from youth.consent import young_person_ids_with_consent
from youth.models import Case, ConsentPurpose, YoungPerson

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the region's access log is made with generate_series (PostgreSQL)"
)


def test_the_quick_region_keeps_the_services_invariants_and_every_page_answers(
    db: None, settings: Any, tmp_path: Path
) -> None:
    settings.MATCHING_MODEL_DIR = str(tmp_path)
    demo_load(history=False)
    counts = build_region(QUICK)

    assert counts["young_people"] == QUICK.young_people
    assert counts["open_cases"] == QUICK.open_cases
    assert counts["professionals"] == QUICK.professionals
    assert counts["teams"] == QUICK.teams
    assert counts["volunteers"] == QUICK.volunteers
    assert counts["support_requests"] == QUICK.support_requests
    assert counts["messages"] == QUICK.messages
    assert counts["access_log"] == QUICK.access_log
    assert counts["big_team_open_cases"] == QUICK.big_team_cases
    # Every region case has a lead professional, and every young person the consents their age asks.
    region = YoungPerson.objects.filter(last_name="Bench")
    assert (
        not Case.objects.filter(young_person__in=region)
        .annotate(leads=Count("assignments", filter=Q(assignments__is_lead=True)))
        .exclude(leads=1)
    )
    ids = list(region.values_list("pk", flat=True))
    assert young_person_ids_with_consent(ids, list(ConsentPurpose.values)) == set(ids)
    # A volunteer whose screening was written in full is matchable, by the one readiness rule.
    screened = with_readiness_data(
        Volunteer.objects.filter(user__email__endswith="@bench.example", status=Volunteer.Status.ACTIVE)
        .filter(vog_checks__isnull=False)
        .distinct()
    )
    assert screened
    assert all(volunteer_readiness(v, open_matches=0).matchable for v in screened)

    page_list = pages()
    samples = measure({"here": lambda: None}, {"here": clients_for(sorted({p.who for p in page_list}))}, page_list, 1)
    answered = {name: sample.statuses for name, sample in samples["here"].items()}
    assert all(200 <= status < 400 for statuses in answered.values() for status in statuses), answered
    assert all(sample.queries[0] > 0 for sample in samples["here"].values())
    same = summary({"demo": samples["here"], "region": samples["here"]})
    assert same["queries_growing_pages"] == []
    assert set(same["pages"]) == {p.name for p in page_list}
