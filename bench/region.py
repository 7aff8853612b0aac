"""A region at the size of #23, added to the demo world with bulk inserts, and the pages measured on it.

Used by bench/pages.py (the benchmark) and tests/test_bench_pages.py (its smoke test). Needs Django set up and
PostgreSQL (the access log's rows come from generate_series).

The region joins the demo's own organisations, so the demo people see it in their pages: Peter coordinates the
Leiden local team (its team "Team Leiden Noord" gets the 3,000 open cases) and the volunteer centre (its pool grows
to 1,513 volunteers, with the waiting list and the support requests); a small local team has a coordinator with 301
cases; the other open cases sit in 23 teams of three local teams. Every row is one a service would write: a case has
a lead professional of its team; every young person has the consents the age rule asks (a confirmed parent with
custody below 16, who said yes; the young person's own yes from 12, recorded by the professional); a volunteer has
a role, availability and the screening their stage says (intake, two references, a valid VOG, a home visit for
support families, the centre's basic course); a matched request has its match, and a running match its conversation
with the support family and the coordinator, where the messages are; the access log's rows name a young person
and a professional who reads them.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Municipality, Organisation, Region, Role, RoleAssignment, Team, User
from bench.bulk import at_noon, dates_as_given
from core.geo import geocode
from demo.world import HISTORY_ORGANISATION, VOLUNTEER_CENTRE, email_for
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.states import State as MatchState
from insights.services import dashboards_warm, tally_refresh
from messaging.models import Conversation, Member, Message
from training.models import Course, CourseCompletion
from volunteers.models import (
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
from youth.consent_texts import CONSENT_TEXTS
from youth.models import Case, CaseAssignment, Consent, Guardianship, YoungPerson
from youth.services import consent_state_refresh_due

LEIDEN_TEAM = "Jeugd- en Gezinsteam Leiden (demo)"
BIG_TEAM = "Team Leiden Noord"
SEED, BATCH = 20_261_207, 5_000
NO_PASSWORD = "!"  # noqa: S105 - what set_unusable_password stores: these people log in by code only


@dataclass(frozen=True)
class Sizes:
    """Totals in the database after the build (the demo's own rows count towards them)."""

    young_people: int = 20_405
    open_cases: int = 17_407
    professionals: int = 498
    teams: int = 25
    volunteers: int = 5_104
    support_requests: int = 3_625
    messages: int = 151_000
    access_log: int = 2_000_000
    big_team_cases: int = 3_000  # open cases of Peter's local team (all in BIG_TEAM)
    small_coordinator_cases: int = 301
    centre_volunteers: int = 1_513  # Peter's volunteer centre
    centre_requests: int = 1_000  # support requests for the centre, of which waiting:
    centre_waiting: int = 200


FULL = Sizes()
QUICK = Sizes(
    young_people=900,
    open_cases=700,
    professionals=40,
    teams=6,
    volunteers=200,
    support_requests=150,
    messages=2_000,
    access_log=20_000,
    big_team_cases=200,
    small_coordinator_cases=31,
    centre_volunteers=80,
    centre_requests=60,
    centre_waiting=15,
)


def _place(name: str) -> tuple[str, float, float]:
    """A municipality's place; a municipality named after none of its villages (Kaag en Braassem) lies at Leiden's."""
    try:
        found = geocode(name)
    except ValidationError:
        found = geocode("Leiden")
    return found.name, found.latitude, found.longitude


def _spread(total: int, parts: int) -> list[int]:
    """`total` in `parts` nearly equal whole parts."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def build_region(sizes: Sizes = FULL, *, seed: int = SEED) -> dict[str, int]:
    """Add the region to the demo world in the current database; returns the counts it reached."""
    with dates_as_given(YoungPerson, Volunteer, SupportRequest, SupportFamilyMatch, Message, Conversation, Member):
        counts = _build(sizes, np.random.default_rng(seed), timezone.localdate())
    # The young people were bulk-inserted: their stored consent answers, as the services write them (one UPDATE).
    consent_state_refresh_due()
    with connection.cursor() as cursor:
        # As autovacuum leaves a table that has settled: statistics, and the visibility map that lets PostgreSQL
        # answer from an index alone (after bulk inserts without it, every index-only scan read the table too).
        # VACUUM cannot run in a transaction (the bench's test builds a small region inside one): ANALYZE there.
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    # The analyst's dashboard reads the roll-up, as the scheduled task would have refreshed it.
    tally_refresh()
    dashboards_warm()  # as the nightly job does after its roll-up
    return counts


def _build(sizes: Sizes, rng: np.random.Generator, today: date) -> dict[str, int]:
    holland_rijnland = Region.objects.get(name="Holland Rijnland")
    municipalities = list(Municipality.objects.filter(region=holland_rijnland).order_by("name"))
    places = {m.pk: _place(m.name) for m in municipalities}
    peter = User.objects.get(email=email_for("peter"))
    leiden_team = Organisation.objects.get(name=LEIDEN_TEAM)
    centre = Organisation.objects.get(name=VOLUNTEER_CENTRE)

    # --- Organisations, teams, staff ------------------------------------------------------------------------------
    small = Organisation.objects.create(name="Jeugdteam Kaag (bench)", kind=Organisation.Kind.LOCAL_TEAM)
    others = [
        Organisation.objects.create(name=f"Jeugdteam Holland Rijnland {n} (bench)", kind=Organisation.Kind.LOCAL_TEAM)
        for n in ("Noord", "Midden", "Zuid")
    ]
    for organisation in (small, *others):
        organisation.municipalities.set(municipalities)
    big_team, _ = Team.objects.get_or_create(organisation=leiden_team, name=BIG_TEAM)
    teams: list[Team] = [big_team, Team.objects.create(organisation=small, name="Team Kaag")]
    for i in range(sizes.teams - 2):
        teams.append(Team.objects.create(organisation=others[i % len(others)], name=f"Team {i + 1}"))
    for team in teams:
        team.municipalities.set(municipalities)

    open_now = Case.objects.filter(closed_on__isnull=True).count()
    open_leiden = Case.objects.filter(organisation=leiden_team, closed_on__isnull=True).count()
    big = max(0, sizes.big_team_cases - open_leiden)
    rest = max(0, sizes.open_cases - open_now - big - sizes.small_coordinator_cases)
    cases_per_team = [big, sizes.small_coordinator_cases, *_spread(rest, len(teams) - 2)]
    new_open = sum(cases_per_team)
    new_people = max(new_open, sizes.young_people - YoungPerson.objects.count())
    closed = new_people - new_open

    professionals_now = RoleAssignment.objects.filter(role=Role.PROFESSIONAL).values("user").distinct().count()
    staff_total = max(len(teams), sizes.professionals - professionals_now)
    # One professional per team at least, the rest by the team's cases; what rounding leaves goes to the biggest.
    staff_per_team = [max(1, staff_total * n // max(1, new_open)) for n in cases_per_team]
    for t in sorted(range(len(teams)), key=lambda t: -cases_per_team[t])[: max(0, staff_total - sum(staff_per_team))]:
        staff_per_team[t] += 1
    staff_users = User.objects.bulk_create(
        (
            User(email=f"prof{t}-{i}@bench.example", first_name="Prof", last_name=f"{t}-{i}", password=NO_PASSWORD)
            for t, n in enumerate(staff_per_team)
            for i in range(n)
        ),
        batch_size=BATCH,
    )
    staff_of_team: list[list[User]] = []
    start = 0
    for n in staff_per_team:
        staff_of_team.append(staff_users[start : start + n])
        start += n
    RoleAssignment.objects.bulk_create(
        (
            RoleAssignment(user=user, role=Role.PROFESSIONAL, organisation=team.organisation, team=team)
            for team, users in zip(teams, staff_of_team, strict=True)
            for user in users
        ),
        batch_size=BATCH,
    )
    small_coordinator = User.objects.create(email="coordinator-kaag@bench.example", first_name="Coördinator")
    coordinators = {leiden_team.pk: peter, small.pk: small_coordinator}
    for organisation in others:
        coordinators[organisation.pk] = User.objects.create(
            email=f"coordinator-{organisation.pk}@bench.example", first_name="Coördinator"
        )
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=user, role=Role.COORDINATOR, organisation_id=org)
        for org, user in coordinators.items()
        if user != peter
    )

    # --- Young people, cases, parents, consents --------------------------------------------------------------------
    ages = rng.integers(4, 18, new_people)  # 4 to 17 on their last birthday
    born = [today - timedelta(days=int(a) * 365 + int(rng.integers(1, 360))) for a in ages]
    living = rng.integers(0, len(municipalities), new_people)
    people = YoungPerson.objects.bulk_create(
        (
            YoungPerson(
                first_name=f"Jongere{i}",
                last_name="Bench",
                date_of_birth=born[i],
                residence_municipality=municipalities[living[i]],
                paying_municipality=municipalities[living[i]],
                home_place=places[municipalities[living[i]].pk][0],
                latitude=places[municipalities[living[i]].pk][1],
                longitude=places[municipalities[living[i]].pk][2],
                languages=["nl"],
                created_at=at_noon(today - timedelta(days=int(rng.integers(30, 1_000)))),
            )
            for i in range(new_people)
        ),
        batch_size=BATCH,
    )
    team_of = [t for t, n in enumerate(cases_per_team) for _ in range(n)]
    # Closed cases (the rest of the young people) in the other teams, so the measured coordinators keep their sizes.
    team_of += [2 + int(t) for t in rng.integers(0, max(1, len(teams) - 2), closed)] if len(teams) > 2 else []
    team_of += [1] * (new_people - len(team_of))
    opened = [today - timedelta(days=int(d)) for d in rng.integers(1, 1_000, new_people)]
    cases = Case.objects.bulk_create(
        (
            Case(
                young_person=people[i],
                organisation=teams[team_of[i]].organisation,
                team=teams[team_of[i]],
                opened_on=opened[i],
                closed_on=None
                if i < new_open
                else opened[i] + timedelta(days=int(rng.integers(0, (today - opened[i]).days + 1))),
                threatened_out_of_home_placement=bool(rng.random() < 0.2),
            )
            for i in range(new_people)
        ),
        batch_size=BATCH,
    )
    lead = [staff_of_team[team_of[i]][i % len(staff_of_team[team_of[i]])] for i in range(new_people)]
    CaseAssignment.objects.bulk_create(
        (CaseAssignment(case=cases[i], professional=lead[i], is_lead=True) for i in range(new_people)), batch_size=BATCH
    )
    young = [i for i in range(new_people) if ages[i] < 16]
    parents = User.objects.bulk_create(
        (
            User(email=f"ouder{i}@bench.example", first_name="Ouder", last_name=str(i), password=NO_PASSWORD)
            for i in young
        ),
        batch_size=BATCH,
    )
    RoleAssignment.objects.bulk_create(
        (RoleAssignment(user=parent, role=Role.PARENT) for parent in parents), batch_size=BATCH
    )
    parent_of = dict(zip(young, parents, strict=True))
    Guardianship.objects.bulk_create(
        (Guardianship(young_person=people[i], guardian=parent, has_custody=True) for i, parent in parent_of.items()),
        batch_size=BATCH,
    )
    consents = []
    for i in range(new_people):
        for purpose, text in CONSENT_TEXTS.items():
            if i in parent_of:
                consents.append(
                    Consent(
                        young_person=people[i],
                        purpose=purpose,
                        given_by=parent_of[i],
                        given_as=Consent.GivenAs.CUSTODIAL_PARENT,
                        text_version=text.version,
                    )
                )
            if ages[i] >= 12:
                consents.append(
                    Consent(
                        young_person=people[i],
                        purpose=purpose,
                        given_as=Consent.GivenAs.YOUNG_PERSON,
                        recorded_by=lead[i],
                        text_version=text.version,
                    )
                )
    Consent.objects.bulk_create(consents, batch_size=BATCH)

    # --- Volunteers ----------------------------------------------------------------------------------------------
    volunteer_orgs = [centre] + [
        Organisation.objects.create(
            name=f"Vrijwilligerscentrum {n} (bench)", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
        )
        for n in ("Duin- en Bollenstreek", "Rijn en Veenstreek", "Leidse Regio")
    ]
    for organisation in volunteer_orgs[1:]:
        organisation.municipalities.set(municipalities)
        coordinators[organisation.pk] = User.objects.create(
            email=f"coordinator-{organisation.pk}@bench.example", first_name="Coördinator"
        )
        RoleAssignment.objects.create(
            user=coordinators[organisation.pk], role=Role.COORDINATOR, organisation=organisation
        )
    coordinators[centre.pk] = peter
    centre_new = max(0, sizes.centre_volunteers - Volunteer.objects.filter(organisation=centre).count())
    rest_new = max(0, sizes.volunteers - Volunteer.objects.count() - centre_new)
    org_of_volunteer = [0] * centre_new + [1 + i % (len(volunteer_orgs) - 1) for i in range(rest_new)]
    total = len(org_of_volunteer)
    volunteer_users = User.objects.bulk_create(
        (
            User(
                email=f"vrijwilliger{i}@bench.example",
                first_name="Vrijwilliger",
                last_name=str(i),
                password=NO_PASSWORD,
            )
            for i in range(total)
        ),
        batch_size=BATCH,
    )
    RoleAssignment.objects.bulk_create(
        (
            RoleAssignment(user=user, role=Role.VOLUNTEER, organisation=volunteer_orgs[org_of_volunteer[i]])
            for i, user in enumerate(volunteer_users)
        ),
        batch_size=BATCH,
    )
    # Stage: 0 registered, 1 intake only, 2 screened and active, 3 paused, 4 stopped.
    stage = rng.choice(5, total, p=[0.08, 0.05, 0.77, 0.05, 0.05])
    kind = rng.choice(
        [VolunteerKind.SUPPORT_FAMILY, VolunteerKind.BUDDY, VolunteerKind.SOCIAL_BROKER], total, p=[0.35, 0.45, 0.2]
    )
    home = rng.integers(0, len(municipalities), total)
    status = {3: Volunteer.Status.PAUSED, 4: Volunteer.Status.STOPPED}
    volunteers = Volunteer.objects.bulk_create(
        (
            Volunteer(
                user=user,
                organisation=volunteer_orgs[org_of_volunteer[i]],
                status=status.get(int(stage[i]), Volunteer.Status.ACTIVE),
                home_place=places[municipalities[home[i]].pk][0],
                municipality=municipalities[home[i]],
                latitude=places[municipalities[home[i]].pk][1] + float(rng.normal(0, 0.02)),
                longitude=places[municipalities[home[i]].pk][2] + float(rng.normal(0, 0.02)),
                travel_radius_km=int(rng.integers(5, 25)),
                capacity=int(rng.integers(1, 3)),
                experience=["autism"] if rng.random() < 0.2 else [],
                interests=str(rng.choice(["voetbal, fietsen", "koken, wandelen", "tekenen, muziek", "dieren"])),
                languages=["nl"],
                preferred_age_min=4,
                preferred_age_max=18,
                registered_at=at_noon(today - timedelta(days=int(rng.integers(10, 900)))),
            )
            for i, user in enumerate(volunteer_users)
        ),
        batch_size=BATCH,
    )
    VolunteerRole.objects.bulk_create(
        (VolunteerRole(volunteer=v, kind=str(kind[i])) for i, v in enumerate(volunteers)), batch_size=BATCH
    )
    AvailabilitySlot.objects.bulk_create(
        (
            AvailabilitySlot(volunteer=v, weekday=day, day_part=part)
            for v in volunteers
            for day, part in ((2, DayPart.AFTERNOON), (5, DayPart.AFTERNOON), (5, DayPart.OVERNIGHT))
        ),
        batch_size=BATCH,
    )
    screened = [i for i in range(total) if stage[i] >= 1]
    done = [i for i in range(total) if stage[i] >= 2]
    Intake.objects.bulk_create(
        (
            Intake(
                volunteer=volunteers[i],
                held_on=today - timedelta(days=60),
                outcome=Outcome.POSITIVE,
                recorded_by=coordinators[volunteers[i].organisation_id],
            )
            for i in screened
        ),
        batch_size=BATCH,
    )
    Reference.objects.bulk_create(
        (
            Reference(
                volunteer=volunteers[i],
                name=name,
                relation="buur",
                contact="071-5550101",
                contacted_on=today - timedelta(days=50),
                outcome=Outcome.POSITIVE,
            )
            for i in done
            for name in ("Ria Vos", "Tom Bakker")
        ),
        batch_size=BATCH,
    )
    VogCheck.objects.bulk_create(
        (
            VogCheck(
                volunteer=volunteers[i],
                requested_on=today - timedelta(days=45),
                received_on=today - timedelta(days=30),
                issued_on=today - timedelta(days=31),
                screening_profile="Minderjarigen",
                checked_by=coordinators[volunteers[i].organisation_id],
                valid_until=today + timedelta(days=3 * 365 - 31),
            )
            for i in done
        ),
        batch_size=BATCH,
    )
    families = [i for i in done if kind[i] == VolunteerKind.SUPPORT_FAMILY]
    HomeVisit.objects.bulk_create(
        (
            HomeVisit(
                volunteer=volunteers[i],
                held_on=today - timedelta(days=40),
                outcome=Outcome.POSITIVE,
                recorded_by=coordinators[volunteers[i].organisation_id],
            )
            for i in families
        ),
        batch_size=BATCH,
    )
    Household.objects.bulk_create(
        (Household(volunteer=volunteers[i], pets="een kat" if i % 3 == 0 else "", beds_for_stays=1) for i in families),
        batch_size=BATCH,
    )
    basic = {
        course.for_kind: course
        for course in Course.objects.filter(organisation=centre, kind=Course.Kind.BASIC).exclude(for_kind="")
    }
    CourseCompletion.objects.bulk_create(
        (
            CourseCompletion(
                volunteer=volunteers[i], course=basic[str(kind[i])], completed_on=today - timedelta(days=20)
            )
            for i in done
            if volunteers[i].organisation_id == centre.pk and str(kind[i]) in basic
        ),
        batch_size=BATCH,
    )

    # --- Support requests and matches ----------------------------------------------------------------------------
    requests_new = max(0, sizes.support_requests - SupportRequest.objects.count())
    centre_new_requests = min(requests_new, sizes.centre_requests)
    open_case_ids = list(range(new_open))
    chosen = rng.choice(open_case_ids, min(requests_new, len(open_case_ids)), replace=False)
    hosts_of: dict[int, list[Volunteer]] = defaultdict(list)
    for i in families:
        if volunteers[i].status == Volunteer.Status.ACTIVE:
            hosts_of[volunteers[i].organisation_id].append(volunteers[i])
    requests, matches = [], []
    for n, i in enumerate(chosen):
        organisation = (
            volunteer_orgs[0] if n < centre_new_requests else volunteer_orgs[1 + n % (len(volunteer_orgs) - 1)]
        )
        hosts = hosts_of[organisation.pk]
        # A request is matched only when its organisation has a support family for it.
        waiting = n < sizes.centre_waiting or (n >= centre_new_requests and rng.random() < 0.2) or not hosts
        asked = opened[i] + timedelta(days=int(rng.integers(0, max(1, (today - opened[i]).days))))
        request = SupportRequest(
            case=cases[i],
            organisation=organisation,
            what_for="Een vaste plek in het weekend, zodat ouders even rust hebben.",
            wants_weekend_stays=True,
            frequency=SupportRequest.Frequency.FORTNIGHTLY,
            home_place=people[i].home_place,
            latitude=people[i].latitude,
            longitude=people[i].longitude,
            languages=["nl"],
            status=SupportRequest.Status.WAITING if waiting else SupportRequest.Status.MATCHED,
            created_at=at_noon(asked),
            updated_at=at_noon(asked),
            updated_by=lead[i],
        )
        requests.append(request)
        if not waiting:
            # Each support family takes one running match (within any capacity); the last one's matches ended.
            keeps_running = len(hosts) > 1
            host = hosts.pop(0) if keeps_running else hosts[0]
            started = min(today, asked + timedelta(days=30))
            matches.append(
                (
                    request,
                    i,
                    SupportFamilyMatch(
                        volunteer=host,
                        state=MatchState.ACTIVE if keeps_running else MatchState.ENDED,
                        started_on=started,
                        ended_on=None if keeps_running else started + timedelta(days=1),
                        outcome="" if keeps_running else SupportFamilyMatch.Outcome.REACHED,
                        trial_ends_on=started + timedelta(weeks=6),
                        family_visited_on=started - timedelta(days=20),
                        family_visit_recorded_by=coordinators[organisation.pk],
                        host_visited_on=started - timedelta(days=18),
                        host_visit_recorded_by=coordinators[organisation.pk],
                        families_met_on=started - timedelta(days=10),
                        meeting_recorded_by=coordinators[organisation.pk],
                        family_yes_at=at_noon(started - timedelta(days=8)),
                        family_yes_by=parent_of.get(i),
                        host_yes_at=at_noon(started - timedelta(days=8)),
                        approved_by=coordinators[organisation.pk],
                        created_at=at_noon(asked + timedelta(days=5)),
                        updated_at=at_noon(started),
                    ),
                )
            )
    SupportRequest.objects.bulk_create(requests, batch_size=BATCH)
    for request, _i, match in matches:
        match.request = request
    SupportFamilyMatch.objects.bulk_create([m for _r, _i, m in matches], batch_size=BATCH)

    # --- Conversations of the running matches, and their messages ------------------------------------------------
    running = [(r, i, m) for r, i, m in matches if m.state == MatchState.ACTIVE]
    conversations = Conversation.objects.bulk_create(
        (
            Conversation(
                kind=Conversation.Kind.MATCH, case=cases[i], match=m, created_at=at_noon(m.started_on or today)
            )
            for _r, i, m in running
        ),
        batch_size=BATCH,
    )
    members: list[Member] = []
    talkers: list[list[int]] = []
    for conversation, (request, i, match) in zip(conversations, running, strict=True):
        people_in = [
            (match.volunteer.user_id, "support_family"),
            (coordinators[request.organisation_id].pk, "coordinator"),
            (lead[i].pk, "professional"),
        ]
        if i in parent_of:
            people_in.append((parent_of[i].pk, "parent"))
        members += [
            Member(conversation=conversation, user_id=user_id, party=party, joined_at=conversation.created_at)
            for user_id, party in people_in
        ]
        talkers.append([user_id for user_id, _party in people_in])
    Member.objects.bulk_create(members, batch_size=BATCH)
    messages_new = max(0, sizes.messages - Message.objects.count())
    per = _spread(messages_new, len(conversations)) if conversations else []
    sent_by: dict[int, int] = defaultdict(int)
    now = timezone.now()
    batch: list[Message] = []
    for conversation, speakers, n in zip(conversations, talkers, per, strict=True):
        for k in range(n):
            sender = speakers[k % len(speakers)]
            sent_by[sender] += 1
            batch.append(
                Message(
                    conversation=conversation,
                    sender_id=sender,
                    client_msg_id=f"bench-{sent_by[sender]}",
                    body="Hoi! Zullen we zaterdag samen naar de kinderboerderij gaan?",
                    created_at=now - timedelta(minutes=n - k),
                )
            )
        if len(batch) >= BATCH:
            Message.objects.bulk_create(batch)
            batch = []
    Message.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        # Kept by message_send: the latest message per conversation; everyone read up to the one before it.
        cursor.execute(
            """
            UPDATE messaging_conversation c SET last_message_id = m.id, last_message_at = m.created_at
            FROM (SELECT DISTINCT ON (conversation_id) conversation_id, id, created_at FROM messaging_message
                  ORDER BY conversation_id, id DESC) m
            WHERE m.conversation_id = c.id AND c.last_message_id = 0
            """
        )
        cursor.execute(
            """
            UPDATE messaging_member mb SET last_read_id = c.last_message_id - 1
            FROM messaging_conversation c WHERE c.id = mb.conversation_id AND mb.last_read_id = 0
            AND c.last_message_id > 0
            """
        )

    # --- The access log: professionals reading their own cases' records --------------------------------------------
    log_new = max(0, sizes.access_log - _count("accesslog_accesslogentry"))
    readers = [lead[i].pk for i in range(new_people)]
    subjects = [people[i].pk for i in range(new_people)]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accesslog_accesslogentry
                (at, actor_id, actor_name, actor_role, actor_organisation, young_person_id, action, what, ip_address,
                 detail)
            SELECT now() - (g %% 525600) * interval '1 minute', (%(readers)s::bigint[])[1 + g %% %(n)s],
                   'Prof Bench', 'professional', 'Jeugdteam (bench)', (%(subjects)s::bigint[])[1 + g %% %(n)s],
                   'view', CASE WHEN g %% 3 = 0 THEN 'case' ELSE 'list' END, '10.0.0.1', ''
            FROM generate_series(1, %(rows)s) AS g
            """,
            {"readers": readers, "subjects": subjects, "n": len(readers), "rows": log_new},
        )
    return {
        "young_people": YoungPerson.objects.count(),
        "open_cases": Case.objects.filter(closed_on__isnull=True).count(),
        "professionals": RoleAssignment.objects.filter(role=Role.PROFESSIONAL).values("user").distinct().count(),
        "teams": Team.objects.count(),
        "volunteers": Volunteer.objects.count(),
        "support_requests": SupportRequest.objects.count(),
        "messages": Message.objects.count(),
        "access_log": _count("accesslog_accesslogentry"),
        "big_team_open_cases": Case.objects.filter(organisation=leiden_team, closed_on__isnull=True).count(),
        "small_coordinator_cases": Case.objects.filter(organisation=small).count(),
        "centre_volunteers": Volunteer.objects.filter(organisation=centre).count(),
        "centre_waiting_requests": SupportRequest.objects.filter(
            organisation=centre, status=SupportRequest.Status.WAITING
        ).count(),
        "history_organisation_cases": Case.objects.filter(organisation__name=HISTORY_ORGANISATION).count(),
    }


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - a fixed table name of ours
        row = cursor.fetchone()
    return int(row[0]) if row else 0


# --- The pages ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str
    who: str  # the demo person's email local part
    path: str
    method: str = "get"


def pages() -> list[Page]:
    """The pages of #23's table, each role's home page, the case page, the chat page and the insights dashboard, as
    the demo people see them (the same rows in both databases: the region is a copy of the demo plus the region)."""
    sanne_case = Case.objects.get(young_person__first_name="Sanne", young_person__last_name="de Vries")
    chat = Conversation.objects.get(case=sanne_case, kind=Conversation.Kind.TRIAD, closed_at__isnull=True)
    bo_request = SupportRequest.objects.get(
        case__young_person__first_name="Bo", case__young_person__last_name="de Vries"
    )
    return [
        Page("coordinator_home", "peter", "/"),
        Page("coordinator_case_list", "peter", "/jongeren/"),
        Page("volunteer_pool", "peter", "/vrijwilligers/"),
        Page("suggest_post", "peter", f"/koppelen/aanvragen/{bo_request.pk}/zoeken/", "post"),
        Page("waiting_list", "peter", "/koppelen/wachtlijst/"),
        Page("support_families_coordinator", "peter", "/steungezinnen/"),
        Page("messages_list", "lisa", "/berichten/"),
        Page("professional_home", "lisa", "/"),
        Page("young_person_home", "sanne", "/"),
        Page("parent_home", "marieke", "/"),
        Page("mentor_home", "karin", "/"),
        Page("volunteer_home", "ahmed", "/"),
        Page("analyst_home", "femke", "/"),
        Page("admin_home", "bram", "/"),
        Page("case_page", "lisa", f"/jongeren/trajecten/{sanne_case.pk}/"),
        Page("chat_page", "lisa", f"/berichten/{chat.pk}/"),
        Page("insights_dashboard", "femke", "/inzicht/"),
    ]


@dataclass
class Sample:
    ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    kb: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


def clients_for(people: Sequence[str]) -> dict[str, Client]:
    """A logged-in test client per demo person, in the current database (its session is stored there)."""
    clients = {}
    for who in people:
        client = Client()
        client.force_login(User.objects.get(email=email_for(who)))
        clients[who] = client
    return clients


def request_once(client: Client, page: Page, sample: Sample) -> None:
    """One request through the whole stack (middleware included): server time, queries, size, status."""
    connection.ensure_connection()  # a new connection is no part of the page's time
    # CaptureQueriesContext counts by the length of the connection's query log, which keeps at most 9,000 entries:
    # emptied before each request, or a long run counts 0 once it is full.
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        began = time.perf_counter()
        response = client.post(page.path) if page.method == "post" else client.get(page.path)
        body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        sample.ms.append((time.perf_counter() - began) * 1000)
    sample.queries.append(len(captured))
    sample.kb.append(len(body) / 1024)
    sample.statuses.append(response.status_code)


def measure(
    modes: dict[str, Callable[[], None]],
    clients: dict[str, dict[str, Client]],
    page_list: list[Page],
    rounds: int,
    on_round: Callable[[int], None] = lambda _done: None,
) -> dict[str, dict[str, Sample]]:
    """Round-robin: each round asks every page once in every mode, one mode after the other (`modes` switch the
    database), so that a slower or busier minute of the machine falls on all pages and both modes alike."""
    samples: dict[str, dict[str, Sample]] = {mode: {p.name: Sample() for p in page_list} for mode in modes}
    for done in range(rounds):
        for page in page_list:
            for mode, switch in modes.items():
                switch()
                request_once(clients[mode][page.who], page, samples[mode][page.name])
        on_round(done + 1)
    return samples


def summary(samples: dict[str, dict[str, Sample]], demo: str = "demo", region: str = "region") -> dict[str, Any]:
    """The JSON of #23: per page the medians and query counts, the worst growth, and the pages whose count grows."""
    result: dict[str, Any] = {}
    for name, at_demo in samples[demo].items():
        at_region = samples[region][name]
        result[name] = {
            "median_ms_demo": round(statistics.median(at_demo.ms), 1),
            "median_ms_region": round(statistics.median(at_region.ms), 1),
            "queries_demo": int(statistics.median_low(at_demo.queries)),
            "queries_region": int(statistics.median_low(at_region.queries)),
            "kb_region": round(statistics.median(at_region.kb), 1),
            "statuses": sorted({*at_demo.statuses, *at_region.statuses}),
        }
    ratios = {n: p["median_ms_region"] / max(p["median_ms_demo"], 0.1) for n, p in result.items()}
    worst = max(ratios, key=lambda n: ratios[n])
    return {
        "pages": result,
        "worst_growth_ratio": round(ratios[worst], 1),
        "worst_growth_page": worst,
        "queries_growing_pages": sorted(n for n, p in result.items() if p["queries_region"] > p["queries_demo"]),
    }
