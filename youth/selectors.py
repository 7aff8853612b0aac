"""Reads of young people and cases. Every access goes through a `_visible_to` / `_get_for` pair.

Who sees what:
- a professional: the cases of their organisation to which they are assigned, and those young people;
- a coordinator: all cases of their organisation;
- a young person: their own record; a parent or guardian with custody: their children's;
- an analyst, an administrator, a mentor or a volunteer: none (analysts see aggregates elsewhere).
Professionals and coordinators may change what they see; young people and guardians only read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    PositiveSmallIntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models import Case as SqlCase
from django.utils import timezone
from django.utils.translation import gettext
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accesslog.models import AccessLogEntry
from accounts.models import Role, Team, User
from accounts.selectors import AnyUser, has_role
from core.paging import words_in
from core.selectors import object_get_for
from youth.ages import ADULT_AGE, CONSENT_ALONE_AGE, CONSENT_OWN_AGE, age_on, born_by, is_adult_on
from youth.consent_texts import CONSENT_TEXTS
from youth.models import Case, Consent, ConsentPurpose, Guardianship, YoungPerson
from youth.parties import (
    STAFF_PARTS,
    Party,
    access_basis,
    case_has_professional,
    cases_where,
    coordinates,
    custodial_guardianships,
    custodial_parents_among,
    family_young_people,
    parent_access_waits_for_adult,
    parties_filter,
)


def _case_scope(user: AnyUser) -> Q | None:
    """The cases the user may change (as professional or coordinator), as a filter; None when there are none."""
    return parties_filter(user, STAFF_PARTS, case="")


def case_writable_by(user: AnyUser) -> QuerySet[Case]:
    """Cases the user works on: assigned professional or coordinator of the organisation."""
    scope = _case_scope(user)
    if scope is None:
        return Case.objects.none()
    return Case.objects.filter(pk__in=Case.objects.filter(scope).values("pk"))


def youngperson_own_or_in_custody(user: AnyUser) -> QuerySet[YoungPerson]:
    """The user's own record and the records of children of whom they have custody (read-only access)."""
    if not user.is_authenticated:
        return YoungPerson.objects.none()
    return YoungPerson.objects.filter(pk__in=family_young_people(user, (Party.YOUNG_PERSON, Party.PARENT)))


def accesslogentry_visible_to(user: AnyUser) -> QuerySet[AccessLogEntry]:
    """Log rows about the user's own record, or about the children of whom they have custody."""
    if not user.is_authenticated:
        return AccessLogEntry.objects.none()
    return AccessLogEntry.objects.filter(young_person__in=youngperson_own_or_in_custody(user))


def case_visible_to(user: AnyUser) -> QuerySet[Case]:
    """Cases the user may see: the ones they work on, and their own or their children's."""
    if not user.is_authenticated:
        return Case.objects.none()
    # A UNION of the two sets of ids, not an OR: with the OR PostgreSQL tested every case of a region against both
    # (2 ms for one social broker request on a case page, issue #23); each part starts from the user's few rows.
    family = Case.objects.filter(young_person__in=youngperson_own_or_in_custody(user)).order_by().values("pk")
    return Case.objects.filter(pk__in=case_writable_by(user).order_by().values("pk").union(family))


def case_get_for(user: AnyUser, pk: int, write: bool = False) -> Case:
    """One case: 404 when the user may not see it, 403 when they may see it but `write` is asked and not allowed."""
    visible = case_visible_to(user).select_related("young_person", "organisation", "team")
    return object_get_for(visible, case_writable_by(user), pk, write=write)


def youngperson_writable_by(user: AnyUser) -> QuerySet[YoungPerson]:
    """Young people with a case the user works on."""
    return YoungPerson.objects.filter(pk__in=case_writable_by(user).values("young_person_id"))


def youngperson_visible_to(user: AnyUser) -> QuerySet[YoungPerson]:
    """Young people the user may see: through a case they work on, or their own or their children's record."""
    if not user.is_authenticated:
        return YoungPerson.objects.none()
    return YoungPerson.objects.filter(
        Q(pk__in=youngperson_writable_by(user).values("pk")) | Q(pk__in=youngperson_own_or_in_custody(user))
    )


def youngperson_get_for(user: AnyUser, pk: int, write: bool = False) -> YoungPerson:
    """One young person: 404 when invisible to the user, 403 when visible but `write` is asked and not allowed."""
    return object_get_for(youngperson_visible_to(user), youngperson_writable_by(user), pk, write=write)


def case_access_role(user: AnyUser, case: Case) -> str:
    """The role through which a user who works on `case` sees it: coordinator of its organisation, else professional."""
    return Role.COORDINATOR if coordinates(user, case.organisation_id) else Role.PROFESSIONAL


def youngperson_access_basis(user: User, young_person: YoungPerson) -> tuple[str, str]:
    """The role (and organisation) through which the user sees this young person, for the access log."""
    if young_person.user_id == user.pk:
        return access_basis({Party.YOUNG_PERSON})
    case = case_writable_by(user).filter(young_person=young_person).select_related("organisation").first()
    if case is not None:
        staff = {Party.COORDINATOR} if coordinates(user, case.organisation_id) else {Party.PROFESSIONAL}
        return access_basis(staff, case_organisation=case.organisation.name)
    return access_basis({Party.PARENT})


def case_access_bases(user: AnyUser, cases: list[Case]) -> dict[int, tuple[str, str]]:
    """Per case: the role (and organisation) through which the user sees it, as `youngperson_access_basis` says
    for one young person. One query (two for a young person); the cases must come with their organisation."""
    works_on = set(case_writable_by(user).filter(pk__in=[c.pk for c in cases]).values_list("pk", flat=True))
    own: set[int] = set()
    if isinstance(user, User) and has_role(user, Role.YOUNG_PERSON):
        own = set(YoungPerson.objects.filter(user=user).values_list("pk", flat=True))

    def basis(case: Case) -> tuple[str, str]:
        parts = {Party.YOUNG_PERSON} if case.young_person_id in own else set()
        if case.pk in works_on:
            parts.add(Party.COORDINATOR if coordinates(user, case.organisation_id) else Party.PROFESSIONAL)
        return access_basis(parts or {Party.PARENT}, case_organisation=case.organisation.name)

    return {case.pk: basis(case) for case in cases}


def is_own_or_in_custody(user: AnyUser, young_person: YoungPerson) -> bool:
    """Whether the user is this young person or a parent or guardian with custody."""
    return youngperson_own_or_in_custody(user).filter(pk=young_person.pk).exists()


@dataclass(frozen=True)
class ConsentParties:
    """Who must say yes for a young person on a given day."""

    young_person: bool
    custodial_parents: list[User] = field(default_factory=list)
    # Under 12 the child does not decide but must be heard.
    young_person_heard: bool = False


def consent_deciders(age: int) -> tuple[bool, bool]:
    """Who decides at an age (Dutch law), as (the young person, the parents with custody): under 12 the parents;
    12 to 15 the young person and each parent; from 16 the young person alone (16 is also the AVG age for consent
    to data processing). The one age rule: the overview asks it; `consent_complete_condition` says the same in
    SQL for lists (tested equal)."""
    return age >= CONSENT_OWN_AGE, age < CONSENT_ALONE_AGE


def consent_complete_condition(
    *, purposes: Iterable[str] = tuple(ConsentPurpose.values), on: date | None = None, young_person: str = ""
) -> Q:
    """The consent rule (`consent_overview`'s `complete` for each of `purposes`) as one SQL condition, so that a list
    can filter and count "waiting for consent" in the database instead of reading every young person's answers.
    `young_person` is the path from the queryset's model to the young person ("" on YoungPerson, "young_person" on
    Case). The ages are `consent_deciders`' turned into dates of birth (`born_by`): 12 or older decides along, under
    16 the parents with custody decide along; a child under 12 needs at least one parent with custody.
    tests/test_case_lists.py checks it against the overview on varied data."""
    today = on or timezone.localdate()
    born = f"{young_person}__date_of_birth" if young_person else "date_of_birth"
    young_person_ref = f"{young_person}_id" if young_person else "pk"
    custody = custodial_guardianships(on=today).filter(young_person=OuterRef(young_person_ref))
    own = Q(**{f"{born}__lte": born_by(CONSENT_OWN_AGE, today)})
    parents_decide = Q(**{f"{born}__gt": born_by(CONSENT_ALONE_AGE, today)})
    # When only the parents decide, somebody must say yes: without a parent with custody nobody can.
    condition = own | Q(Exists(custody))
    for purpose in dict.fromkeys(purposes):
        yes = Consent.objects.filter(purpose=purpose, withdrawn_at__isnull=True, answer=Consent.Answer.YES)
        own_yes = yes.filter(young_person=OuterRef(young_person_ref), given_as=Consent.GivenAs.YOUNG_PERSON)
        parent_yes = yes.filter(
            young_person=OuterRef("young_person_id"),
            given_as=Consent.GivenAs.CUSTODIAL_PARENT,
            given_by=OuterRef("guardian_id"),
        )
        parent_missing = Exists(custody.filter(~Exists(parent_yes)))
        condition &= (~own | Q(Exists(own_yes))) & (~parents_decide | ~Q(parent_missing))
    return condition


def consent_age_band(*, on: date | None = None, young_person: str = "") -> SqlCase:
    """How many of the birthdays on which `consent_complete_condition` can answer otherwise without any row changing
    have passed on `on` (default today), as SQL: 0 under 12, 1 from 12 (`consent_deciders`), 2 from 16, 3 from 18
    (`counting_guardianships` stops counting a parent who may not look along). While it stays the same, so does the
    rule's answer. Compares the date of birth with fixed dates, so it costs nothing per row."""
    today = on or timezone.localdate()
    born = f"{young_person}__date_of_birth" if young_person else "date_of_birth"
    thresholds = (CONSENT_OWN_AGE, CONSENT_ALONE_AGE, ADULT_AGE)
    return SqlCase(
        *(When(Q(**{f"{born}__gt": born_by(years, today)}), then=Value(band)) for band, years in enumerate(thresholds)),
        default=Value(len(thresholds)),
        output_field=PositiveSmallIntegerField(),
    )


def consent_complete_stored(*, on: date | None = None, young_person: str = "") -> SqlCase | ExpressionWrapper[Q]:
    """The consent rule for every purpose, as `consent_complete_condition` says it, but read from the stored answer
    (`YoungPerson.consent_complete`, youth.services.consent_state_refresh) where that still holds on `on` (default
    today): worked out, and no birthday of the rule passed since (`consent_age_band`). PostgreSQL works the rule out
    only for the other rows (a CASE), so a count over a team's thousands of cases reads a column. Equal to the rule
    on any day (tests/test_case_lists.py); a day other than today asks the rule itself (the stored answer is
    today's)."""
    rule = consent_complete_condition(on=on, young_person=young_person)
    if on is not None and on != timezone.localdate():
        return ExpressionWrapper(rule, output_field=BooleanField())
    prefix = f"{young_person}__" if young_person else ""
    holds = Q(**{f"{prefix}consent_complete__isnull": False}) & Q(
        **{f"{prefix}consent_age_band": consent_age_band(young_person=young_person)}
    )
    return SqlCase(
        When(holds, then=F(f"{prefix}consent_complete")),
        default=ExpressionWrapper(rule, output_field=BooleanField()),
        output_field=BooleanField(),
    )


def decision_stage(young_person: YoungPerson, on: date | None = None) -> str:
    """Who decides about the young person's data, as their own pages say it: "parents" (under 12), "together" (12
    to 15: they and each parent with custody), "alone" (16 and 17) or "adult" (from 18: they alone, and they choose
    which parents may look along). The age rule is `consent_deciders`'."""
    on = on or timezone.localdate()
    if is_adult_on(young_person.date_of_birth, on):
        return "adult"
    own, parents_decide = consent_deciders(age_on(young_person.date_of_birth, on))
    if not own:
        return "parents"
    return "together" if parents_decide else "alone"


def consent_parties_required(*, young_person: YoungPerson, on: date | None = None) -> ConsentParties:
    """Who must consent for the young person on a day (`consent_deciders`)."""
    on = on or timezone.localdate()
    own, parents_decide = consent_deciders(age_on(young_person.date_of_birth, on))
    if not parents_decide:
        return ConsentParties(young_person=True)
    # Reads through the related manager so that a list page can prefetch guardians for all its rows; which of them
    # count (confirmed, with custody) is youth.parties' rule.
    parents = custodial_parents_among(young_person.guardianships.all(), young_person=young_person, on=on)
    return ConsentParties(young_person=own, custodial_parents=parents, young_person_heard=not own)


@dataclass(frozen=True)
class PartyStatus:
    name: str
    role: str
    user_id: int | None
    # The party's standing yes (None: no answer, or a no).
    consent: Consent | None
    # The party's standing answer, yes or no, given by them or recorded by a professional.
    answer: Consent | None = None
    # How a professional names this party when recording their answer ("young_person" or "parent:<id>").
    key: str = ""


@dataclass(frozen=True)
class PurposeStatus:
    purpose: str
    label: str
    text: str
    version: str
    parties: list[PartyStatus]

    @property
    def complete(self) -> bool:
        return bool(self.parties) and all(p.consent is not None for p in self.parties)

    @property
    def waiting_for(self) -> list[str]:
        """The first names of the parties without a standing yes."""
        return [p.name for p in self.parties if p.consent is None]


def consent_overview(*, young_person: YoungPerson, on: date | None = None) -> list[PurposeStatus]:
    """For each purpose: who must consent now, and each one's standing answer (a yes counts; a no or nothing does
    not). The young person's answer is theirs whether they gave it or a professional recorded it."""
    parties = consent_parties_required(young_person=young_person, on=on)
    standing: dict[tuple[str, str, int | None], Consent] = {}
    for c in young_person.consents.all():
        if c.withdrawn_at is None:
            who = None if c.given_as == Consent.GivenAs.YOUNG_PERSON else c.given_by_id
            standing[(c.purpose, c.given_as, who)] = c
    people: list[tuple[str, str, str, int | None, str]] = []
    if parties.young_person:
        people.append(
            (
                young_person.first_name,
                str(Consent.GivenAs.YOUNG_PERSON.label),
                Consent.GivenAs.YOUNG_PERSON,
                young_person.user_id,
                "young_person",
            )
        )
    people += [
        (
            p.first_name,
            str(Consent.GivenAs.CUSTODIAL_PARENT.label),
            Consent.GivenAs.CUSTODIAL_PARENT,
            p.pk,
            f"parent:{p.pk}",
        )
        for p in parties.custodial_parents
    ]
    overview = []
    for purpose in ConsentPurpose:
        text = CONSENT_TEXTS[purpose]
        statuses = []
        for name, role, given_as, uid, key in people:
            answer = standing.get((purpose.value, given_as, None if given_as == Consent.GivenAs.YOUNG_PERSON else uid))
            yes = answer if answer is not None and answer.answer == Consent.Answer.YES else None
            statuses.append(PartyStatus(name, role, uid, yes, answer, key))
        overview.append(
            PurposeStatus(
                purpose=purpose.value,
                label=str(purpose.label),
                text=str(text.text) % {"name": young_person.first_name},
                version=text.version,
                parties=statuses,
            )
        )
    return overview


def consent_waiting_text(overview: list[PurposeStatus]) -> str:
    """The case badge: who still has to say yes, by first name ("Waiting for a yes from: Tim, Marieke"), per purpose
    when the purposes wait for different people; empty when all is complete."""
    open_statuses = [s for s in overview if not s.complete]
    if not open_statuses:
        return ""
    if any(not s.parties for s in open_statuses):
        return gettext("Nobody can say yes yet: add the parents with custody.")
    names = {tuple(s.waiting_for) for s in open_statuses}
    if len(names) == 1 and len(open_statuses) == len(overview):
        return gettext("Waiting for a yes from: %(names)s") % {"names": ", ".join(open_statuses[0].waiting_for)}
    return " ".join(
        gettext("%(purpose)s: waiting for a yes from %(names)s.")
        % {"purpose": s.label, "names": ", ".join(s.waiting_for)}
        for s in open_statuses
    )


def consent_prefetches() -> list[Prefetch[Any]]:
    """What the consent rule and overview read of a young person, for `prefetch_related`."""
    return [
        Prefetch(
            "guardianships",
            queryset=Guardianship.objects.select_related("guardian").order_by("guardian__first_name", "guardian_id"),
        ),
        Prefetch("consents", queryset=Consent.objects.select_related("recorded_by")),
    ]


def with_consent_data(young_people: QuerySet[YoungPerson]) -> QuerySet[YoungPerson]:
    """Prefetch what the consent rule and overview read, so a list costs the same queries for any length."""
    return young_people.prefetch_related(*consent_prefetches())


@dataclass(frozen=True)
class CaseRow:
    case: Case
    consent_complete: bool
    has_professional: bool
    # Who still has to say yes, for the badge ("" when complete).
    consent_waiting: str = ""


def case_list_for(user: AnyUser) -> QuerySet[Case]:
    """The open cases the user works on, by the young person's name, each annotated with `has_professional`, so
    that a list filters, counts and pages in the database. A page of them becomes rows with `case_rows`, which read
    the consent overview for the page's young people only."""
    return (
        case_writable_by(user)
        .filter(closed_on__isnull=True)
        .select_related("young_person", "organisation")
        .annotate(has_professional=case_has_professional())
        .order_by("young_person__first_name", "young_person__last_name", "pk")
    )


def _with_consent_complete(cases: QuerySet[Case], *, on: date | None = None) -> QuerySet[Case]:
    # An alias, not an annotation: only the filter and the count that need it ask for it, never a page of rows. The
    # stored answer where it holds (a team's 3,000 cases: 37 ms for the rule per case against 3 for the column).
    return cases.alias(consent_complete=consent_complete_stored(on=on, young_person="young_person"))


def case_list_search(
    cases: QuerySet[Case],
    *,
    user: AnyUser,
    text: str = "",
    team: Team | None = None,
    waiting_for_consent: bool = False,
    without_professional: bool = False,
    mine: bool = False,
) -> QuerySet[Case]:
    """`case_list_for`'s cases narrowed by the list's search box (every word in the young person's name or place)
    and filters: a team, waiting for consent (the consent rule in SQL), without a professional, and those the user
    is assigned to."""
    cases = words_in(cases, text, ["young_person__first_name", "young_person__last_name", "young_person__home_place"])
    if team is not None:
        cases = cases.filter(team=team)
    if waiting_for_consent:
        cases = _with_consent_complete(cases).filter(Q(consent_complete=False))
    if without_professional:
        cases = cases.filter(Q(has_professional=False))  # annotated by case_list_for
    if mine:
        cases = cases.filter(pk__in=cases_where(user, Party.PROFESSIONAL))
    return cases


def cases_waiting_first(cases: QuerySet[Case], count: int) -> QuerySet[Case]:
    """The first `count` of `case_list_for`'s cases with those without a professional first, then the longest open:
    the top of a home page (whether consent is complete each row says; ordering by it would work the rule out for
    every case). One query."""
    order = ("has_professional", "opened_on", "pk")
    # The top is chosen from the cases alone and only those rows are read with their young person: joined before
    # the sort, PostgreSQL read every young person of a team of 3,000 cases for 10 rows.
    top = cases.select_related(None).order_by(*order).values("pk")[:count]
    return cases.filter(pk__in=top).order_by(*order)


@dataclass(frozen=True)
class CaseCounts:
    total: int
    waiting_for_consent: int
    without_professional: int


def case_counts(cases: QuerySet[Case]) -> CaseCounts:
    """How many of `case_list_for`'s cases there are, wait for consent and have no professional: one query."""
    found = (
        _with_consent_complete(cases)
        .order_by()
        .aggregate(
            total=Count("pk"),
            waiting=Count("pk", filter=Q(consent_complete=False)),
            unassigned=Count("pk", filter=Q(has_professional=False)),
        )
    )
    return CaseCounts(found["total"], found["waiting"], found["unassigned"])


def case_rows(cases: Iterable[Case], *, on: date | None = None) -> list[CaseRow]:
    """Rows for a page of `case_list_for`'s cases: whether all consents asked for are in and who still has to say
    yes (the overview, read for these young people only: two queries for any page) and whether a professional is
    assigned."""
    cases = list(cases)
    prefetch_related_objects([case.young_person for case in cases], *consent_prefetches())
    today = on or timezone.localdate()
    rows = []
    for case in cases:
        overview = consent_overview(young_person=case.young_person, on=today)
        rows.append(
            CaseRow(
                case,
                consent_complete=all(p.complete for p in overview),
                has_professional=case.has_professional,  # type: ignore[attr-defined]
                consent_waiting=consent_waiting_text(overview),
            )
        )
    return rows


def is_professional_of_open_case(user: AnyUser, young_person: YoungPerson) -> bool:
    """Whether the user is the professional (youth.parties) of an open case of the young person. One query."""
    if not user.is_authenticated:
        return False
    return Case.objects.filter(
        pk__in=cases_where(user, Party.PROFESSIONAL), young_person=young_person, closed_on__isnull=True
    ).exists()


def consent_recordable_by(user: AnyUser, young_person: YoungPerson) -> bool:
    """Whether the user may write down answers given in person: a professional assigned to an open case of the
    young person (not a coordinator who does not work on the case: the one who spoke with the person records)."""
    return is_professional_of_open_case(user, young_person)


def consent_tasks_for(user: AnyUser) -> list[tuple[YoungPerson, list[PurposeStatus]]]:
    """For the home page: per young person (the user or their child) the purposes still waiting for this user's yes."""
    tasks = []
    for young_person in with_consent_data(youngperson_own_or_in_custody(user)):
        waiting = [
            status
            for status in consent_overview(young_person=young_person)
            if any(p.user_id == user.pk and p.consent is None for p in status.parties)
        ]
        if waiting:
            tasks.append((young_person, waiting))
    return tasks


# --- Linking a parent, and from 18 ------------------------------------------------------------------------------------


def guardianship_request_visible_to(user: AnyUser) -> QuerySet[Guardianship]:
    """The requests to confirm being a parent or guardian that wait for this user's answer (only the asked person
    sees one; an answered one is gone). With the young person, whose first name is the question."""
    if not user.is_authenticated:
        return Guardianship.objects.none()
    return (
        Guardianship.objects.filter(guardian_id=user.pk, status=Guardianship.Status.WAITING)
        .select_related("young_person", "requested_by")
        .order_by("requested_at", "pk")
    )


def guardianship_request_get_for(user: AnyUser, pk: int, write: bool = False) -> Guardianship:
    """One waiting request: 404 for anyone but the asked person, and once it is answered. The asked person may
    answer it, so `write` changes nothing."""
    visible = guardianship_request_visible_to(user)
    return object_get_for(visible, visible, pk, write=write)


def guardianship_requests_for(user: AnyUser) -> list[Guardianship]:
    """For the home page: the questions "are you the parent of ...?" that wait for this user's answer, oldest
    first; each links to `youth:guardianship_confirm`. One query."""
    return list(guardianship_request_visible_to(user))


@dataclass(frozen=True)
class GuardianRow:
    """A guardian as the record page shows them."""

    guardianship: Guardianship
    # Asked, and their yes has not come (only staff see these rows).
    waiting: bool
    # Said they are not the parent (only staff see these rows).
    refused: bool
    # Confirmed, but the young person is 18 or older and does not let them look along.
    not_looking_along: bool


def guardian_rows_for(user: AnyUser, young_person: YoungPerson) -> list[GuardianRow]:
    """The guardians on the young person's record page: everyone, with their state, for the staff who work on the
    case; for the young person and a parent only the confirmed ones (a request to someone else is not theirs to
    see). One query (two for staff)."""
    staff = youngperson_writable_by(user).filter(pk=young_person.pk).exists()
    rows = young_person.guardianships.select_related("guardian").order_by("guardian__first_name", "pk")
    if not staff:
        rows = rows.filter(status=Guardianship.Status.CONFIRMED)
    return [
        GuardianRow(
            g,
            waiting=g.status == Guardianship.Status.WAITING,
            refused=g.status == Guardianship.Status.REFUSED,
            not_looking_along=parent_access_waits_for_adult(g, date_of_birth=young_person.date_of_birth),
        )
        for g in rows
    ]


def parent_access_rows_queryset(young_person: YoungPerson) -> QuerySet[Guardianship]:
    """The confirmed parents and guardians of a young person, about whom the young adult decides (from 18)."""
    return (
        young_person.guardianships.filter(status=Guardianship.Status.CONFIRMED)
        .select_related("guardian")
        .order_by("guardian__first_name", "pk")
    )


def parent_access_rows(young_person: YoungPerson) -> list[Guardianship]:
    """For the young person's own page "who may look along": their confirmed parents and guardians. One query."""
    return list(parent_access_rows_queryset(young_person))


def adulthood_queued_ids() -> set[int]:
    """The young people for whom the 18th-birthday task waits in the queue (queued, not yet started). One query."""
    args = DBTaskResult.objects.filter(
        task_path="youth.tasks.adulthood_begin_task", status=TaskResultStatus.READY
    ).values_list("args_kwargs", flat=True)
    return {int(a["args"][0]) for a in args if a.get("args")}
