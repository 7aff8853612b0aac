"""Benchmark of the waiting list at the size of a region (issue #23): prints one JSON object.

Run: .venv/bin/python bench/waiting_list.py  (a SQLite file in the temporary folder, made anew each run; set
DATABASE_URL to measure on PostgreSQL, in a database of its own that this script empties: it migrates and
bulk-creates into it).

It builds one organisation with VOLUNTEERS support families (most screened, some with a household and day parts)
and WAITING waiting support requests (some with declined and not-chosen proposals, so the exclusions are not
empty), bulk-created, then measures, median of REPEAT runs each:
- the pool of support families: from model instances with prefetches (`candidates`, the old path) and from values
  queries into numpy (`pool_of`, the new one), with their query counts;
- the requests: one at a time (`support_request_to_request`, two queries each) and in a batch
  (`support_requests_to_requests`);
- the global assignment and first come first served (`waiting_list_plan_result`: what the task computes);
- the waiting list page as the coordinator opens it: the first time (no plan stored yet: the computation is
  queued) and with a stored plan, with its query count;
- the "suggest" POST of one family's proposal round (the pool and the engine for one request).
The old page did all of the first three on every view; `old_view_ms_estimate` adds them up.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
SQLITE_FILE = Path(tempfile.gettempdir()) / "dichtbij_waiting_list_bench.sqlite3"
if "DATABASE_URL" not in os.environ:
    SQLITE_FILE.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_FILE}"

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Municipality, Organisation, Region, Role, RoleAssignment, User  # noqa: E402
from hostfamilies.models import SupportRequest  # noqa: E402
from matching.engine import CandidatePool, compare_assignments  # noqa: E402
from matching.features import (  # noqa: E402
    candidates,
    pool_of,
    support_request_to_request,
    support_requests_to_requests,
    volunteers_of_kind,
    waiting_support_requests,
)
from matching.models import Proposal, ProposalStatus, WaitingListPlan  # noqa: E402
from matching.selectors import waiting_list_plan_result  # noqa: E402
from matching.services import waiting_list_plan_compute  # noqa: E402
from volunteers.models import (  # noqa: E402
    AvailabilitySlot,
    DayPart,
    HomeVisit,
    Household,
    Intake,
    Outcome,
    Reference,
    VogCheck,
    Volunteer,
    VolunteerKind,
    VolunteerRole,
)
from youth.models import Case, YoungPerson  # noqa: E402

SEED = 20_261_207
VOLUNTEERS = 1_500
WAITING = 600
REPEAT = 5
# What `measured` timed, in order: their CPU milliseconds are printed under these names.
MEASURED = (
    "pool_old",
    "pool_new",
    "requests_old",
    "requests_new",
    "assignment",
    "plan_compute",
    "view_first_time",
    "task_compute_and_store",
    "view_stored_plan",
    "suggest_post",
)
# Around Leiden, about 40 by 40 km: the area of one organisation.
CENTRE = (52.16, 4.49)
SPREAD = 0.18


def build(rng: np.random.Generator) -> tuple[Organisation, User]:
    call_command("migrate", verbosity=0)
    region = Region.objects.create(name="Holland Rijnland (bench)")
    municipality = Municipality.objects.create(name="Leiden (bench)", region=region)
    organisation = Organisation.objects.create(
        name="Steungezinnen (bench)", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
    )
    coordinator = User.objects.create(email="coordinator@bench.invalid", first_name="Co")
    RoleAssignment.objects.create(user=coordinator, role=Role.COORDINATOR, organisation=organisation)
    TOTP.activate(coordinator, generate_totp_secret())
    users = User.objects.bulk_create(
        # "!" is Django's unusable password: nobody logs in as these volunteers.
        User(email=f"v{i}@bench.invalid", first_name=f"Vrijwilliger {i}", password="!")  # noqa: S106
        for i in range(VOLUNTEERS)
    )
    lat = CENTRE[0] + rng.uniform(-SPREAD, SPREAD, VOLUNTEERS)
    lon = CENTRE[1] + rng.uniform(-SPREAD, SPREAD, VOLUNTEERS)
    interests = ["voetbal en koken", "tekenen", "", "wandelen, muziek", "dieren"]
    volunteers = Volunteer.objects.bulk_create(
        Volunteer(
            user=user,
            organisation=organisation,
            home_place="Leiden",
            municipality=municipality,
            latitude=float(lat[i]),
            longitude=float(lon[i]),
            travel_radius_km=int(rng.integers(5, 30)),
            capacity=int(rng.integers(1, 3)),
            experience=[["autism"], ["adhd", "trauma"], [], ["divorce"]][i % 4],
            interests=interests[i % len(interests)],
            languages=[["nl"], ["nl", "ar"], ["nl", "tr"]][i % 3],
            preferred_age_min=int(rng.integers(0, 6)),
            preferred_age_max=int(rng.integers(12, 24)),
        )
        for i, user in enumerate(users)
    )
    VolunteerRole.objects.bulk_create(VolunteerRole(volunteer=v, kind=VolunteerKind.SUPPORT_FAMILY) for v in volunteers)
    today = timezone.localdate()
    screened = [v for i, v in enumerate(volunteers) if i % 5]
    Intake.objects.bulk_create(
        Intake(volunteer=v, held_on=today, outcome=Outcome.POSITIVE, recorded_by=coordinator) for v in screened
    )
    HomeVisit.objects.bulk_create(
        HomeVisit(volunteer=v, held_on=today, outcome=Outcome.POSITIVE, recorded_by=coordinator) for v in screened
    )
    Reference.objects.bulk_create(
        Reference(volunteer=v, name=name, relation="buur", contact="06", outcome=Outcome.POSITIVE)
        for v in screened
        for name in ("Piet", "Els")
    )
    VogCheck.objects.bulk_create(
        VogCheck(
            volunteer=v,
            requested_on=today,
            received_on=today,
            issued_on=today,
            valid_until=today + timedelta(days=3 * 365),
        )
        for v in screened
    )
    Household.objects.bulk_create(
        Household(volunteer=v, pets="een kat" if i % 3 == 0 else "", smoking=i % 7 == 0, beds_for_stays=i % 3)
        for i, v in enumerate(volunteers)
        if i % 2
    )
    parts = [DayPart.AFTERNOON, DayPart.OVERNIGHT, DayPart.EVENING]
    AvailabilitySlot.objects.bulk_create(
        AvailabilitySlot(volunteer=v, weekday=(i + j) % 7, day_part=parts[j % 3])
        for i, v in enumerate(volunteers)
        for j in range(i % 4)
    )
    birth = today - timedelta(days=365 * 9)
    young = YoungPerson.objects.bulk_create(
        YoungPerson(
            first_name=f"Kind {i}",
            date_of_birth=birth - timedelta(days=int(rng.integers(0, 365 * 8))),
            residence_municipality=municipality,
            paying_municipality=municipality,
            home_place="Leiden",
            latitude=CENTRE[0] + float(rng.uniform(-SPREAD, SPREAD)),
            longitude=CENTRE[1] + float(rng.uniform(-SPREAD, SPREAD)),
        )
        for i in range(WAITING)
    )
    cases = Case.objects.bulk_create(
        Case(young_person=person, organisation=organisation, opened_on=today) for person in young
    )
    requests = SupportRequest.objects.bulk_create(
        SupportRequest(
            case=case,
            organisation=organisation,
            what_for=["Rust voor moeder", "Weekend logeren, autisme", "Hulp na scheiding, houdt van voetbal"][i % 3],
            wants_weekend_stays=i % 2 == 0,
            wants_weekday_afternoons=i % 3 == 0,
            home_place="Leiden",
            pet_allergy=i % 11 == 0,
            smoke_free=i % 4 == 0,
        )
        for i, case in enumerate(cases)
    )
    # Waiting from today to two years back.
    for request in requests:
        request.created_at = timezone.now() - timedelta(days=int(rng.integers(0, 730)))
    SupportRequest.objects.bulk_update(requests, ["created_at"])
    # Every other family has one volunteer who said no and one it did not choose: the exclusions are real.
    picks = rng.choice(len(volunteers), size=(len(requests) // 2, 2), replace=True)
    Proposal.objects.bulk_create(
        Proposal(
            support_request=request,
            case=request.case,
            volunteer=volunteers[int(pick)],
            rank=1 + j,
            score=0.5,
            distance_km=3.0,
            engine_version="bench",
            status=status,
        )
        for request, pair in zip(requests[::2], picks, strict=False)
        for j, (pick, status) in enumerate(zip(pair, (ProposalStatus.DECLINED, ProposalStatus.NOT_CHOSEN), strict=True))
    )
    return organisation, coordinator


def measured(work: Callable[[], Any], repeat: int = REPEAT) -> tuple[float, int, Any]:
    """Median milliseconds over `repeat` runs, the queries of one run, and the last result. The CPU time of this
    process is kept beside it (`CPU_MS`): on a shared machine the wall time also counts waiting for a core, while
    SQLite runs inside the process, so its CPU time is the work itself."""
    times, cpu, queries, result = [], [], 0, None
    for _i in range(repeat):
        with CaptureQueriesContext(connection) as context:
            start, start_cpu = time.perf_counter(), time.process_time()
            result = work()
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        queries = len(context.captured_queries)
    CPU_MS.append(round(statistics.median(cpu), 1))
    return round(statistics.median(times), 1), queries, result


CPU_MS: list[float] = []


def main() -> None:
    rng = np.random.default_rng(SEED)
    start = time.perf_counter()
    organisation, coordinator = build(rng)
    build_s = round(time.perf_counter() - start, 1)
    family = VolunteerKind.SUPPORT_FAMILY

    old_pool_ms, old_pool_queries, old_pool = measured(
        lambda: CandidatePool.from_candidates(candidates(volunteers_of_kind(family, organisation.pk))), repeat=3
    )
    new_pool_ms, new_pool_queries, new_pool = measured(lambda: pool_of(volunteers_of_kind(family, organisation.pk)))
    order = np.argsort(old_pool.ids)
    same_pool = all(
        np.array_equal(getattr(old_pool, name)[order], getattr(new_pool, name))
        for name in ("ids", "capacity_left", "open_proposals", "matchable", "availability", "beds", "interests")
    )

    waiting = list(waiting_support_requests(organisation.pk))

    def one_at_a_time() -> list[Any]:
        found = []
        for support_request in waiting:
            try:
                found.append(support_request_to_request(support_request))
            except ValueError:
                continue
        return found

    old_requests_ms, old_requests_queries, old_requests = measured(one_at_a_time, repeat=3)
    new_requests_ms, new_requests_queries, new_requests = measured(lambda: support_requests_to_requests(waiting))
    assign_ms, _queries, comparison = measured(
        lambda: compare_assignments(
            new_pool, list(new_requests.values()), max_open_proposals=settings.MATCHING_MAX_OPEN_PROPOSALS
        ),
        repeat=3,
    )
    plan_ms, plan_queries, _result = measured(lambda: waiting_list_plan_result(organisation.pk), repeat=3)

    client = Client()
    client.force_login(coordinator)
    url = reverse("matching:waiting_list")

    def view() -> int:
        response = client.get(url, secure=True)
        assert response.status_code == 200, response.status_code
        return len(response.content)

    WaitingListPlan.objects.all().delete()
    first_view_ms, first_view_queries, _size = measured(view, repeat=1)
    compute_ms, _queries, _done = measured(lambda: waiting_list_plan_compute(organisation_id=organisation.pk), repeat=1)
    view_ms, view_queries, size = measured(view, repeat=10)

    # The "suggest" POST of one family's round: the same pool, built for each round.
    suggest_url = reverse("matching:round_suggest", args=[waiting[-1].pk])

    def suggest() -> None:
        response = client.post(suggest_url, secure=True)
        assert response.status_code == 302, response.status_code

    suggest_ms, suggest_queries, _none = measured(suggest)

    print(
        json.dumps(
            {
                "database": connection.vendor,
                "volunteers": VOLUNTEERS,
                "waiting_requests": len(waiting),
                "build_s": build_s,
                "pool_old_ms": old_pool_ms,
                "pool_old_queries": old_pool_queries,
                "pool_new_ms": new_pool_ms,
                "pool_new_queries": new_pool_queries,
                "pool_speedup": round(old_pool_ms / new_pool_ms, 1),
                "pools_equal": same_pool,
                "requests_old_ms": old_requests_ms,
                "requests_old_queries": old_requests_queries,
                "requests_new_ms": new_requests_ms,
                "requests_new_queries": new_requests_queries,
                "requests_equal": old_requests == list(new_requests.values()),
                "assignment_ms": assign_ms,
                "matched_global": comparison.global_.matched,
                "matched_first_come": comparison.first_come_first_served.matched,
                "plan_compute_ms": plan_ms,
                "plan_compute_queries": plan_queries,
                "task_compute_and_store_ms": compute_ms,
                "old_view_ms_estimate": round(old_pool_ms + old_requests_ms + assign_ms, 1),
                "view_first_time_ms": first_view_ms,
                "view_first_time_queries": first_view_queries,
                "view_stored_plan_ms": view_ms,
                "view_stored_plan_queries": view_queries,
                "view_kb": round(size / 1024),
                "suggest_post_ms": suggest_ms,
                "suggest_post_queries": suggest_queries,
                "cpu_ms_in_order": dict(zip(MEASURED, CPU_MS, strict=True)),
                "load_average_1min": round(os.getloadavg()[0], 1),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
