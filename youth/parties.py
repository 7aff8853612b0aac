"""Who takes part in a case, and in which part: the one statement that every selector, service, view, menu,
notice and socket asks. Each "may X" check of a feature derives from the parts this module gives and from the
move tables in that feature's `states.py`.

The parts (`Party`, one vocabulary for every feature):
- the young person: their own account (`YoungPerson.user`);
- a parent: a guardian WITH custody (gezag) of the young person; they take part in what the case decides;
- another parent: a guardian WITHOUT custody; known to the case, but no feature lets them act or read records
  (a feature that wants them names `Party.OTHER_PARENT` in its own set of parts);
  both parent parts count only for a guardianship that the parent confirmed (one that waits for their yes, or
  that they refused, counts for nothing: no record, chat, consent, notice or menu), and from the young person's
  18th birthday only while the young adult lets that parent look along (`counting_guardianships`, the one place
  that says so);
- the professional of the case: assigned to the case AND holding the professional role in the case's
  organisation (the strictest of the versions this replaces: an assignment that outlived the person's role in
  the organisation gives nothing);
- the coordinator: holds the coordinator role in the organisation that runs the support (a support request's or
  broker request's organisation, the organisation of a respite option), which is the case's organisation when
  the support has none of its own;
- the support parts: mentor, support family, social broker; and the nominee of a mentorship (whoever holds its
  invitation link, never derived from an account).

Layering: youth sits below the feature apps and imports none of them (DESIGN.md: layers run one way). So
the support parts are stated here in terms the feature passes in: a `Support` says which organisation runs the
support and which user holds which support part on the feature's object (e.g. the mentorship's `mentor_id`, the
match's volunteer's `user_id`); for set-based filters the feature passes the field paths from its model to the
case and to the user holding each support part. The feature knows its own fields; this module knows the rule.

What each feature admits: a feature asks only for its own set of parts (`among=MENTORSHIP_PARTIES`, from
mentors/states.py; `MATCH_PARTIES`, `REQUEST_PARTIES` in hostfamilies/states.py), so adding a part here gives
nobody access to a feature that does not name it, and no query is spent on parts a feature does not admit.

A service that is called from a proposal round acts in the name of the approver, never of someone borrowed to pass
a check: it takes the approved proposal as its authority (hostfamilies.services.match_propose,
community.brokers.services.brokerrequest_link) and asks this module whether the approver is a coordinator of the
running organisation or the professional of the case.

To add a part: add it to `Party`; say how it is derived in `parties_of` (one object), `parties_filter` (sets),
`party_users` (people to notify) and `access_basis` (the access log); then name it in the move tables of the
features it may act in. tests/test_parties.py fails when another module derives a part on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Role, RoleAssignment, User
from accounts.selectors import AnyUser, organisation_ids_where
from youth.ages import adult_born_by
from youth.models import Case, CaseAssignment, Guardianship, YoungPerson


class Party(StrEnum):
    """A part someone takes in a case or in a support on it (one user can hold several)."""

    YOUNG_PERSON = "young_person"  # the young person's own account
    PARENT = "parent"  # a parent or guardian with custody
    OTHER_PARENT = "other_parent"  # a parent or guardian without custody
    NOMINEE = "nominee"  # whoever holds a valid invitation link of a mentorship, before they accepted
    MENTOR = "mentor"  # the mentor of a mentorship (JIM or buddy), once they accepted
    SUPPORT_FAMILY = "support_family"  # the volunteer of a support-family match
    BROKER = "broker"  # the social broker linked to a broker request
    PROFESSIONAL = "professional"  # assigned to the case and a professional in the case's organisation
    COORDINATOR = "coordinator"  # a coordinator of the organisation that runs the support


# The parts held through the young person's record: their own account, or being their parent.
FAMILY_PARTS: frozenset[Party] = frozenset({Party.YOUNG_PERSON, Party.PARENT, Party.OTHER_PARENT})

# Those who work on a case (they may change it): the staff parts.
STAFF_PARTS: frozenset[Party] = frozenset({Party.PROFESSIONAL, Party.COORDINATOR})


@dataclass(frozen=True)
class Support:
    """A form of support on a case, as the feature that owns it states it: the organisation that runs it (its
    coordinators take part) and the user id that holds each support part on it (None: nobody yet)."""

    organisation_id: int
    holders: Mapping[Party, int | None] = field(default_factory=dict)


# --- The user's roles (read once per request by accounts.selectors) -----------------------------------------------


def coordinated_organisation_ids(user: AnyUser) -> list[int]:
    """The organisations whose supports the user runs as coordinator. No query beyond the user's roles."""
    return organisation_ids_where(user, Role.COORDINATOR)


def coordinates(user: AnyUser, organisation_id: int) -> bool:
    """Whether the user is a coordinator of that organisation (runs its supports). No query beyond the roles."""
    return organisation_id in coordinated_organisation_ids(user)


def _professional_organisation_ids(user: AnyUser) -> list[int]:
    return organisation_ids_where(user, Role.PROFESSIONAL)


# --- Which guardianships make someone a parent ----------------------------------------------------------------------


def counting_guardianships(*, on: date | None = None) -> QuerySet[Guardianship]:
    """The guardianships that make their guardian a parent (with or without custody) on `on` (default today): the
    guardian confirmed the link (a request that waits for their yes, or that they refused, counts for nothing),
    and the young person is under 18 or, from 18, let this parent look along. The one statement of this rule;
    every parent question below starts here. No query of its own."""
    return Guardianship.objects.filter(status=Guardianship.Status.CONFIRMED).filter(
        Q(young_person__date_of_birth__gt=adult_born_by(on)) | Q(adult_access_granted_at__isnull=False)
    )


def guardianship_counts(guardianship: Guardianship, *, date_of_birth: date, on: date | None = None) -> bool:
    """`counting_guardianships` for one guardianship already read (a prefetched list), without a query."""
    return guardianship.status == Guardianship.Status.CONFIRMED and (
        date_of_birth > adult_born_by(on) or guardianship.adult_access_granted_at is not None
    )


def custodial_parents_among(
    guardianships: Iterable[Guardianship], *, young_person: YoungPerson, on: date | None = None
) -> list[User]:
    """The parents with custody among a young person's guardianships already read (the consent rule's prefetch),
    as `counting_guardianships` says. No query beyond reading each guardian (select them along)."""
    return [
        g.guardian
        for g in guardianships
        if g.has_custody and guardianship_counts(g, date_of_birth=young_person.date_of_birth, on=on)
    ]


def parent_access_waits_for_adult(guardianship: Guardianship, *, date_of_birth: date, on: date | None = None) -> bool:
    """Whether a confirmed parent sees nothing only because the young person is 18 or older and did not let them
    look along (for the pages that say so)."""
    return (
        guardianship.status == Guardianship.Status.CONFIRMED
        and date_of_birth <= adult_born_by(on)
        and guardianship.adult_access_granted_at is None
    )


def other_parts_in_life(user: AnyUser, young_person: YoungPerson) -> list[str]:
    """The parts the user already takes in the young person's life, apart from being their parent: the
    professional or coordinator of one of their cases ("professional", "coordinator"), the young person
    themself ("young_person"), and each support feature in which the user now holds a part for them (the names
    the features registered: "mentors", "support families", "respite hosts", "social brokers"). For the link of
    a parent, which must not mix parts without a deliberate extra step. One query per case kind and feature."""
    if not user.is_authenticated:
        return []
    parts: list[str] = []
    if young_person.user_id == user.pk:
        parts.append("young_person")
    cases = list(Case.objects.filter(young_person_id=young_person.pk))
    if any(coordinates(user, case.organisation_id) for case in cases):
        parts.append("coordinator")
    if any(is_professional_of(user, case) for case in cases):
        parts.append("professional")
    parts += [feature for feature, find in _supporters_finders.items() if user.pk in set(find(young_person.pk))]
    return parts


# --- One user and one object ----------------------------------------------------------------------------------------


def is_professional_of(user: AnyUser, case: Case, *, assigned: Iterable[int] | None = None) -> bool:
    """Whether the user is a professional of the case: assigned to it and a professional in its organisation.
    One query at most (none when the user holds no professional role there, or when the caller passes the ids of
    the case's `assigned` professionals that it read already)."""
    if not user.is_authenticated or case.organisation_id not in _professional_organisation_ids(user):
        return False
    if assigned is not None:
        return user.pk in set(assigned)
    return CaseAssignment.objects.filter(case_id=case.pk, professional_id=user.pk).exists()


def is_custodial_parent(user: AnyUser, young_person_id: int) -> bool:
    """Whether the user is a parent or guardian with custody of the young person. One query."""
    return (
        user.is_authenticated
        and counting_guardianships()
        .filter(young_person_id=young_person_id, guardian_id=user.pk, has_custody=True)
        .exists()
    )


def parties_of(
    user: AnyUser,
    case: Case,
    support: Support | None = None,
    *,
    among: Iterable[Party] | None = None,
    young_person: YoungPerson | None = None,
) -> set[Party]:
    """Every part the user takes in the case, or in the support on it when `support` is given (empty for anyone
    else); with `among`, only those parts are looked at (the ones a feature admits), so no query is spent on the
    others. Two queries at most (the assignment, only for a professional of the case's organisation, and the
    guardianship); `case` should come with its young person when `YOUNG_PERSON` is asked, or the caller passes
    the `young_person` it has. Never the nominee: that part is a link, not a user."""
    if not user.is_authenticated:
        return set()
    asked = frozenset(Party) if among is None else frozenset(among)
    parts: set[Party] = set()
    if Party.COORDINATOR in asked and coordinates(
        user, support.organisation_id if support is not None else case.organisation_id
    ):
        parts.add(Party.COORDINATOR)
    if Party.PROFESSIONAL in asked and is_professional_of(user, case):
        parts.add(Party.PROFESSIONAL)
    if Party.YOUNG_PERSON in asked:
        own = (young_person or case.young_person).user_id
        if own is not None and own == user.pk:
            parts.add(Party.YOUNG_PERSON)
    if asked & {Party.PARENT, Party.OTHER_PARENT}:
        custody = (
            counting_guardianships()
            .filter(young_person_id=case.young_person_id, guardian_id=user.pk)
            .values_list("has_custody", flat=True)
            .first()
        )
        if custody is not None:
            parts.add(Party.PARENT if custody else Party.OTHER_PARENT)
    if support is not None:
        parts |= {part for part, holder in support.holders.items() if holder is not None and holder == user.pk}
    return parts & asked


def parties_seen_as(
    user: AnyUser, case: Case, support: Support | None = None, *, young_person: YoungPerson | None = None
) -> set[Party]:
    """The parts of a user who already sees the object through its `_visible_to` selector (which derives from
    `parties_filter`), without a query, for the access log of a list: the roles and holders tell coordinator,
    professional, young person and support parts; whoever sees it through none of these is a parent with custody
    (no selector lets anyone else see it)."""
    parts: set[Party] = set()
    if coordinates(user, support.organisation_id if support is not None else case.organisation_id):
        parts.add(Party.COORDINATOR)
    if case.organisation_id in _professional_organisation_ids(user):
        parts.add(Party.PROFESSIONAL)
    own = (young_person or case.young_person).user_id
    if own is not None and own == user.pk:
        parts.add(Party.YOUNG_PERSON)
    if support is not None:
        parts |= {part for part, holder in support.holders.items() if holder is not None and holder == user.pk}
    return parts or {Party.PARENT}


# --- Sets: filters for the `_visible_to` selectors ------------------------------------------------------------------


def young_people_where(user: AnyUser, part: Party) -> QuerySet[Guardianship, Any]:
    """The ids of the young people of whom the user is a parent (`PARENT`: with custody; `OTHER_PARENT`: without),
    as a subquery (`young_person_id`)."""
    if part not in (Party.PARENT, Party.OTHER_PARENT):
        raise ValueError(part)
    return (
        counting_guardianships().filter(guardian_id=user.pk, has_custody=part == Party.PARENT).values("young_person_id")
    )


def family_young_people(
    user: AnyUser, parts: Iterable[Party], *, own_born_by: date | None = None
) -> QuerySet[Any, Any] | None:
    """The ids of the young people in whose family the user takes one of `parts` (`YOUNG_PERSON`: their own
    record, with `own_born_by` only when born on or before that day, for a feature in which the young person
    speaks for themself from an age; `PARENT`, `OTHER_PARENT`: as `young_people_where`), as one subquery
    (`young_person_id`); None when `parts` names none of these or for an anonymous user. No query of its own.

    Several parts are a UNION, not an OR: with "own record OR in custody" PostgreSQL read every young person of
    a region (and, for a filter on cases, every case) to test each against both; a UNION starts from the
    user's few rows through the (user) and (guardian) indexes (issue #23: 2.6 against 0.06 ms per filter)."""
    if not user.is_authenticated:
        return None
    found: list[QuerySet[Any, Any]] = []
    for part in dict.fromkeys(parts):
        if part == Party.YOUNG_PERSON:
            own = YoungPerson.objects.filter(user_id=user.pk)
            if own_born_by is not None:
                own = own.filter(date_of_birth__lte=own_born_by)
            found.append(own.order_by().values("pk"))
        elif part in (Party.PARENT, Party.OTHER_PARENT):
            found.append(young_people_where(user, part).order_by())
    if not found:
        return None
    return found[0].union(*found[1:]) if len(found) > 1 else found[0]


def cases_where(user: AnyUser, part: Party) -> QuerySet[Case, Any]:
    """The cases in which the user is the professional (`PROFESSIONAL`) or a coordinator of the case's
    organisation (`COORDINATOR`), as a subquery of ids."""
    if part == Party.PROFESSIONAL:
        return Case.objects.filter(
            organisation_id__in=_professional_organisation_ids(user), assignments__professional_id=user.pk
        ).values("pk")
    if part == Party.COORDINATOR:
        return Case.objects.filter(organisation_id__in=coordinated_organisation_ids(user)).values("pk")
    raise ValueError(part)


def parties_filter(
    user: AnyUser,
    parts: Iterable[Party],
    *,
    case: str = "case",
    organisation: str | None = None,
    holders: Mapping[Party, str] | None = None,
) -> Q | None:
    """The objects in which the user takes one of `parts`, as a filter on the feature's model; None when there are
    none (the caller answers with `.none()`). No query: the roles are read once per request, the rest are
    subqueries, so a list costs the same for any length.

    `case`: the path from the model to its case ("" when the model is Case). `organisation`: the path to the id of
    the organisation that runs the support (default: the case's organisation). `holders`: per support part, the
    path to the id of the user who holds it (e.g. `{Party.SUPPORT_FAMILY: "volunteer__user_id"}`)."""
    if not user.is_authenticated:
        return None
    prefix = f"{case}__" if case else ""
    case_ids = f"{case}__in" if case else "pk__in"
    organisation = organisation or f"{prefix}organisation_id"
    scope: Q | None = None

    def add(more: Q) -> None:
        nonlocal scope
        scope = more if scope is None else scope | more

    parts = list(dict.fromkeys(parts))
    for part in parts:
        if part == Party.COORDINATOR:
            coordinated = coordinated_organisation_ids(user)
            if coordinated:
                add(Q(**{f"{organisation}__in": coordinated}))
        elif part == Party.PROFESSIONAL:
            if _professional_organisation_ids(user):
                add(Q(**{case_ids: cases_where(user, Party.PROFESSIONAL)}))
        elif part in FAMILY_PARTS:
            continue  # together below
        elif holders and part in holders:
            add(Q(**{holders[part]: user.pk}))
        else:
            raise ValueError(f"{part} is not derived for this model: pass the path to its holder")
    # The family parts as one set of young people (a UNION, see `family_young_people`), not an OR per part.
    family = family_young_people(user, [part for part in parts if part in FAMILY_PARTS])
    if family is not None:
        add(Q(**{f"{prefix}young_person_id__in": family}))
    return scope


def case_has_professional() -> Exists:
    """For annotating a Case queryset: whether the case has a professional (as `is_professional_of` says: assigned
    and still a professional in the case's organisation). A subquery, no query of its own."""
    # Written as "assigned, and among the organisation's professionals" rather than through the user's roles: on
    # PostgreSQL the join through users made a plan that read every assignment for a page of 25 cases (104 ms
    # against 11 on a region of 20,000 cases).
    professionals = RoleAssignment.objects.filter(
        role=Role.PROFESSIONAL, organisation_id=OuterRef(OuterRef("organisation_id"))
    ).values("user_id")
    return Exists(CaseAssignment.objects.filter(case_id=OuterRef("pk"), professional_id__in=professionals))


# --- One object: the people per part --------------------------------------------------------------------------------


def party_user_queryset(
    case: Case,
    part: Party,
    support: Support | None = None,
    *,
    active: bool = True,
    young_person: YoungPerson | None = None,
) -> QuerySet[User]:
    """The users who take `part` in the case (or in `support` on it), as a queryset (for notices); only active
    accounts unless `active` is False. One query when evaluated; `case` should come with its young person."""
    users = User.objects.filter(is_active=True) if active else User.objects.all()
    if part == Party.COORDINATOR:
        organisation_id = support.organisation_id if support is not None else case.organisation_id
        return users.filter(roles__role=Role.COORDINATOR, roles__organisation_id=organisation_id).distinct()
    if part == Party.PROFESSIONAL:
        return users.filter(
            pk__in=CaseAssignment.objects.filter(case_id=case.pk).values("professional_id"),
            roles__role=Role.PROFESSIONAL,
            roles__organisation_id=case.organisation_id,
        ).distinct()
    if part in (Party.PARENT, Party.OTHER_PARENT):
        return users.filter(
            pk__in=counting_guardianships()
            .filter(young_person_id=case.young_person_id, has_custody=part == Party.PARENT)
            .values("guardian_id")
        )
    if part == Party.YOUNG_PERSON:
        own = (young_person or case.young_person).user_id
        return users.filter(pk=own) if own else users.none()
    holder = support.holders.get(part) if support is not None else None
    return users.filter(pk=holder) if holder is not None else users.none()


def lead_professional_ids(case: Case) -> set[int]:
    """The ids of the case's lead (regiehouder); empty when the case has none. One query."""
    return set(CaseAssignment.objects.filter(case_id=case.pk, is_lead=True).values_list("professional_id", flat=True))


def parents_of(young_person_ids: QuerySet[Any, Any], *, custody: bool = True) -> QuerySet[User]:
    """The users who are a parent (with custody, or without when `custody` is False) of any of these young people
    (a subquery of ids), as a queryset (for notices about many families at once, e.g. a cancelled activity)."""
    return User.objects.filter(
        pk__in=counting_guardianships()
        .filter(young_person_id__in=young_person_ids, has_custody=custody)
        .values("guardian_id")
    )


def custodial_guardianships(*, on: date | None = None) -> QuerySet[Guardianship]:
    """The guardianships that make someone a parent with custody on `on` (default today), as a queryset to filter
    further (e.g. on an OuterRef to a young person, for an annotation over many young people)."""
    return counting_guardianships(on=on).filter(has_custody=True)


def open_case_professionals(young_person_id: int) -> QuerySet[User]:
    """The active users who are the professional of any open case of the young person (assigned, and a
    professional in that case's organisation). One query when evaluated."""
    professional_there = RoleAssignment.objects.filter(
        user_id=OuterRef("professional_id"), role=Role.PROFESSIONAL, organisation_id=OuterRef("case__organisation_id")
    )
    assignments = CaseAssignment.objects.filter(
        case__young_person_id=young_person_id, case__closed_on__isnull=True
    ).filter(Exists(professional_there))
    return User.objects.filter(is_active=True, pk__in=assignments.values("professional_id"))


# The support parts (mentor, support family, broker, a stay's host family) are held on the features' objects, which
# this module does not import. Each feature registers, when it loads (its AppConfig.ready), how to find the users
# who hold a support part for a young person now; `supporters_of` asks them all (for the notices of consent).
SupportersFinder = Callable[[int], Iterable[int]]
_supporters_finders: dict[str, SupportersFinder] = {}


def supporters_register(feature: str, find: SupportersFinder) -> None:
    """Register how `feature` finds the ids of the users who hold a support part for a young person now."""
    _supporters_finders[feature] = find


def supporters_of(young_person_id: int) -> list[User]:
    """The active users who hold a support part for the young person now, in any feature: the people who see
    records through the sharing consent. One query per feature, and one for the users."""
    ids = {user_id for find in _supporters_finders.values() for user_id in find(young_person_id)}
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


# When a young person gets their own account they become a party to what is running for them. Most features derive
# their people at each request and need nothing; a feature that writes its parties down (the signatories on an
# agreement version, written when it is proposed) registers, when it loads, how it brings those up to date.
JoinedFollower = Callable[[YoungPerson], None]
_joined_followers: dict[str, JoinedFollower] = {}


def young_person_joined_register(feature: str, follow: JoinedFollower) -> None:
    """Register what `feature` does when a young person's own account is linked (in the linking transaction)."""
    _joined_followers[feature] = follow


def young_person_joined(young_person: YoungPerson) -> None:
    """Let every feature take in the young person's new account (`YoungPerson.user` is set). In the caller's
    transaction; each feature takes its own row locks."""
    for follow in _joined_followers.values():
        follow(young_person)


# Who takes part in a case changed: a professional joined or left it, a parent's custody, the young person's own
# account. A feature that writes its people down (messaging: the members of the case's conversations) registers,
# when it loads, how it brings them up to date; youth sits below it and names none.
CaseFollower = Callable[[Case], None]
_case_followers: dict[str, CaseFollower] = {}


def case_parties_changed_register(feature: str, follow: CaseFollower) -> None:
    """Register what `feature` does when who takes part in a case changed (in the changing transaction)."""
    _case_followers[feature] = follow


def case_parties_changed(case: Case) -> None:
    """Let every feature that writes down a case's people follow a change of who takes part in it. In the caller's
    transaction; each feature takes its own row locks."""
    for follow in _case_followers.values():
        follow(case)


def family_accounts() -> QuerySet[User]:
    """The accounts of young people and of parents (with or without custody) of any case: by their own record, by
    being someone's guardian, or by their role (a parent may be invited before a guardianship links them). The
    admin site leaves these people out."""
    return User.objects.filter(
        Q(roles__role__in=[Role.YOUNG_PERSON, Role.PARENT])
        | Q(young_person__isnull=False)
        | Q(guardianships__isnull=False)
    )


def party_users(
    case: Case,
    parts: Iterable[Party],
    support: Support | None = None,
    *,
    young_person: YoungPerson | None = None,
) -> dict[Party, list[User]]:
    """The active users per part, by user id (for notices, signatories and chat members). One query per part that
    can have someone (none for a young person without an account or a support part nobody holds)."""
    found: dict[Party, list[User]] = {}
    for part in parts:
        # A queryset from `.none()` answers without a query.
        found[part] = list(party_user_queryset(case, part, support, young_person=young_person).order_by("pk"))
    return found


# --- The access log ------------------------------------------------------------------------------------------------

# An organisation's name, or a function that reads it (only the one the basis needs is read).
Name = str | Callable[[], str]

# The order in which a part is the basis of a view, when a user holds several: the widest access first.
_BASIS_ORDER: tuple[Party, ...] = (
    Party.YOUNG_PERSON,
    Party.COORDINATOR,
    Party.PROFESSIONAL,
    Party.PARENT,
    Party.OTHER_PARENT,
    Party.MENTOR,
    Party.SUPPORT_FAMILY,
    Party.BROKER,
)


def access_basis(
    parts: Iterable[Party],
    *,
    case_organisation: Name = "",
    running_organisation: Name | None = None,
    volunteer_organisation: Name = "",
) -> tuple[str, str]:
    """The role and organisation through which someone holding `parts` sees the young person, for the access log
    (NEN 7513): the young person themself; a coordinator of the organisation that runs the support
    (`running_organisation`, default the case's); the professional of the case's organisation; a parent; the
    mentor; a support family or broker through their volunteer organisation. A name may be given as a function,
    so that only the one needed is read. No query of its own. Someone who sees the young person through none of
    these saw them as a parent (the selectors let nobody else see them)."""
    held = set(parts)
    part = next((p for p in _BASIS_ORDER if p in held), Party.PARENT)
    if part == Party.YOUNG_PERSON:
        return Role.YOUNG_PERSON, ""
    if part == Party.COORDINATOR:
        return Role.COORDINATOR, _name(case_organisation if running_organisation is None else running_organisation)
    if part == Party.PROFESSIONAL:
        return Role.PROFESSIONAL, _name(case_organisation)
    if part == Party.MENTOR:
        return Role.MENTOR, ""
    if part in (Party.SUPPORT_FAMILY, Party.BROKER):
        return Role.VOLUNTEER, _name(volunteer_organisation)
    return Role.PARENT, ""


def _name(name: Name) -> str:
    return name if isinstance(name, str) else name()
