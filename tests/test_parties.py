"""youth/parties.py is the one statement of who takes part in a case, and in which part.

Two kinds of test: a scan of the project's source that fails when another module derives a part on its own (a
custody filter, an assignment read, the professional or coordinator role used for access to a case), with a check
that the scan finds each marker in a new copy; and the parts themselves, each on its own and together."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from accounts.models import Role
from community.models import BrokerRequest
from tests.conftest import World
from tests.factories import CaseFactory, UserFactory, YoungPersonFactory, add_guardian, assign, user_with_role
from youth.models import Case
from youth.parties import (
    STAFF_PARTS,
    Party,
    Support,
    access_basis,
    is_custodial_parent,
    is_professional_of,
    parties_filter,
    parties_of,
    parties_seen_as,
    party_users,
)

ROOT = Path(__file__).resolve().parent.parent
# The apps whose objects belong to a case: there, a coordinator's organisations are about access to a case (in
# training, expenses and volunteers they are about the organisation's own courses, claims and volunteers).
CASE_APPS = ("youth", "mentors", "hostfamilies", "respite", "matching", "messaging", "community")
WRITES = {"create", "get_or_create", "update_or_create", "bulk_create"}
# Only these may name a part's raw rows, each for its reason.
ALLOWED: dict[tuple[str, str], str] = {
    ("youth/services.py", "CaseAssignment.objects"): "the services that write assignments (duplicate, lead, remove)",
    ("youth/services.py", "Guardianship.objects"): "the service that writes a guardianship checks for a duplicate",
    ("youth/services.py", "role=Role.PROFESSIONAL"): "only a professional of the organisation can be assigned",
    ("youth/forms.py", "roles__role=Role.PROFESSIONAL"): "the choices of that same write",
    ("youth/selectors.py", "Guardianship.objects"): "the consent rule's prefetch of all guardians of a list",
}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    marker: str


def _role_name(node: ast.AST) -> str | None:
    """`Role.PROFESSIONAL` → "PROFESSIONAL"."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Role":
        return node.attr
    return None


def markers_in(source: str, path: str) -> list[Finding]:
    """Where `source` derives a part of a case by itself (see the module docstring)."""
    found: list[Finding] = []
    app = path.split("/", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        method = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if method not in WRITES:
            for keyword in node.keywords:
                name = keyword.arg or ""
                role = _role_name(keyword.value)
                if name == "has_custody" or name.endswith("__has_custody"):
                    found.append(Finding(path, node.lineno, "has_custody"))
                elif name.startswith("guardianships__"):
                    found.append(Finding(path, node.lineno, "guardianships__"))
                elif "assignments__professional" in name:
                    found.append(Finding(path, node.lineno, "assignments__professional"))
                elif name in ("roles__role", "role") and role == "PROFESSIONAL":
                    found.append(Finding(path, node.lineno, f"{name}=Role.PROFESSIONAL"))
            # Model.objects.<read>(...): a read of the rows that say who is a professional or a parent.
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Attribute)
                and func.value.attr == "objects"
                and isinstance(func.value.value, ast.Name)
                and func.value.value.id in ("CaseAssignment", "Guardianship")
            ):
                found.append(Finding(path, node.lineno, f"{func.value.value.id}.objects"))
        if method == "organisation_ids_where" and len(node.args) == 2:
            role = _role_name(node.args[1])
            if role == "PROFESSIONAL" or (role == "COORDINATOR" and app in CASE_APPS):
                found.append(Finding(path, node.lineno, f"organisation_ids_where(Role.{role})"))
    return found


def project_sources() -> list[Path]:
    # bench/ writes a region's rows by bulk insert, as a fixture does: it names the parts' raw rows on purpose.
    skip = {".venv", "tests", "bench", "migrations", "node_modules", "static", "templates", "locale"}
    return sorted(
        path
        for path in ROOT.rglob("*.py")
        if not skip.intersection(path.relative_to(ROOT).parts[:-1]) and not path.parts[-2].startswith(".")
    )


def test_only_the_party_module_names_the_parts_of_a_case() -> None:
    sources = project_sources()
    assert len(sources) > 50, "the scan must see the project"
    wrong = []
    for path in sources:
        relative = path.relative_to(ROOT).as_posix()
        if relative == "youth/parties.py":
            continue
        for finding in markers_in(path.read_text(encoding="utf-8"), relative):
            if (finding.path, finding.marker) not in ALLOWED:
                wrong.append(f"{finding.path}:{finding.line} {finding.marker}")
    assert not wrong, "Ask youth.parties instead of deriving a part here:\n" + "\n".join(wrong)


NEW_COPIES = {
    "has_custody": "user.guardianships.filter(young_person=child, has_custody=True).exists()",
    "guardianships__": "User.objects.filter(guardianships__young_person_id=1)",
    "assignments__professional": "Case.objects.filter(assignments__professional=user)",
    "roles__role=Role.PROFESSIONAL": "User.objects.filter(roles__role=Role.PROFESSIONAL)",
    "CaseAssignment.objects": "CaseAssignment.objects.filter(case=case).exists()",
    "Guardianship.objects": "Guardianship.objects.values('young_person_id')",
    "organisation_ids_where(Role.PROFESSIONAL)": "organisation_ids_where(user, Role.PROFESSIONAL)",
    "organisation_ids_where(Role.COORDINATOR)": "organisation_ids_where(user, Role.COORDINATOR)",
}


@pytest.mark.parametrize("marker", NEW_COPIES)
def test_the_scan_finds_a_new_copy_of_each_rule(marker: str) -> None:
    assert [f.marker for f in markers_in(NEW_COPIES[marker], "mentors/selectors.py")] == [marker]


def test_the_scan_leaves_writes_and_other_organisations_work_alone() -> None:
    writes = "CaseAssignment.objects.create(case=case, professional=user)\nGuardianship.objects.get_or_create(x=1)"
    assert markers_in(writes, "demo/world.py") == []
    # A coordinator of a training course's organisation is about the course, not a case.
    assert markers_in("organisation_ids_where(user, Role.COORDINATOR)", "training/selectors.py") == []


# --- The parts ------------------------------------------------------------------------------------------------------


@pytest.fixture
def case(db: None) -> Case:
    return CaseFactory(young_person=YoungPersonFactory(user=UserFactory()))


def test_each_part_on_its_own(case: Case) -> None:
    professional = user_with_role(Role.PROFESSIONAL, case.organisation, mfa=False)
    assign(case, professional)
    coordinator = user_with_role(Role.COORDINATOR, case.organisation, mfa=False)
    parent, other_parent, mentor, stranger = (UserFactory() for _ in range(4))
    add_guardian(case.young_person, parent, custody=True)
    add_guardian(case.young_person, other_parent, custody=False)
    support = Support(organisation_id=case.organisation_id, holders={Party.MENTOR: mentor.pk})
    assert parties_of(professional, case, support) == {Party.PROFESSIONAL}
    assert parties_of(coordinator, case, support) == {Party.COORDINATOR}
    assert parties_of(parent, case, support) == {Party.PARENT}
    assert parties_of(other_parent, case, support) == {Party.OTHER_PARENT}
    assert case.young_person.user is not None
    assert parties_of(case.young_person.user, case, support) == {Party.YOUNG_PERSON}
    assert parties_of(mentor, case, support) == {Party.MENTOR}
    assert parties_of(stranger, case, support) == set()
    # Without the support, the mentor is nobody in the case.
    assert parties_of(mentor, case) == set()
    assert is_custodial_parent(parent, case.young_person_id) and not is_custodial_parent(
        other_parent, case.young_person_id
    )


def test_a_user_can_hold_several_parts_and_a_feature_asks_only_for_its_own(case: Case) -> None:
    both = user_with_role(Role.PROFESSIONAL, case.organisation, mfa=False)
    assign(case, both)
    add_guardian(case.young_person, both, custody=True)
    support = Support(organisation_id=case.organisation_id, holders={Party.SUPPORT_FAMILY: both.pk})
    assert parties_of(both, case, support) == {Party.PROFESSIONAL, Party.PARENT, Party.SUPPORT_FAMILY}
    assert parties_of(both, case, support, among=STAFF_PARTS) == {Party.PROFESSIONAL}


def test_the_coordinator_is_of_the_organisation_that_runs_the_support(case: Case) -> None:
    from tests.factories import OrganisationFactory

    centre = OrganisationFactory()
    of_case = user_with_role(Role.COORDINATOR, case.organisation, mfa=False)
    of_centre = user_with_role(Role.COORDINATOR, centre, mfa=False)
    run_by_centre = Support(organisation_id=centre.pk)
    assert parties_of(of_centre, case, run_by_centre) == {Party.COORDINATOR}
    assert parties_of(of_case, case, run_by_centre) == set()
    assert parties_of(of_case, case) == {Party.COORDINATOR}


def test_a_professional_assigned_but_no_longer_in_the_organisation_takes_no_part(case: Case) -> None:
    from tests.factories import OrganisationFactory

    moved = user_with_role(Role.PROFESSIONAL, OrganisationFactory(), mfa=False)
    assign(case, moved)
    assert parties_of(moved, case) == set()
    assert not is_professional_of(moved, case)
    assert party_users(case, [Party.PROFESSIONAL])[Party.PROFESSIONAL] == []
    scope = parties_filter(moved, {Party.PROFESSIONAL}, case="")
    assert scope is None or not Case.objects.filter(scope).exists()
    # Not assigned at all, but a professional of the organisation: no part either.
    colleague = user_with_role(Role.PROFESSIONAL, case.organisation, mfa=False)
    assert parties_of(colleague, case) == set()
    assert not Case.objects.filter(parties_filter(colleague, STAFF_PARTS, case="") or Q(pk__in=[])).exists()


def test_the_filters_give_the_same_answer_as_one_object(case: Case) -> None:
    professional = user_with_role(Role.PROFESSIONAL, case.organisation, mfa=False)
    assign(case, professional)
    parent, other_parent = UserFactory(), UserFactory()
    add_guardian(case.young_person, parent, custody=True)
    add_guardian(case.young_person, other_parent, custody=False)
    elsewhere = CaseFactory()
    for user, part in ((professional, Party.PROFESSIONAL), (parent, Party.PARENT), (other_parent, Party.OTHER_PARENT)):
        scope = parties_filter(user, {part}, case="")
        assert scope is not None
        assert list(Case.objects.filter(scope)) == [case], part
        assert not Case.objects.filter(scope, pk=elsewhere.pk).exists()
    assert not Case.objects.filter(parties_filter(parent, {Party.PROFESSIONAL}, case="") or Q(pk__in=[])).exists()


def test_the_people_per_part_leave_out_inactive_accounts(case: Case) -> None:
    professional = user_with_role(Role.PROFESSIONAL, case.organisation, mfa=False)
    gone = user_with_role(Role.PROFESSIONAL, case.organisation, mfa=False, is_active=False)
    assign(case, professional)
    assign(case, gone, lead=False)
    parent, left = UserFactory(), UserFactory(is_active=False)
    add_guardian(case.young_person, parent)
    add_guardian(case.young_person, left)
    mentor = UserFactory(is_active=False)
    people = party_users(
        case,
        (Party.PROFESSIONAL, Party.PARENT, Party.MENTOR, Party.YOUNG_PERSON),
        Support(organisation_id=case.organisation_id, holders={Party.MENTOR: mentor.pk}),
    )
    assert people == {
        Party.PROFESSIONAL: [professional],
        Party.PARENT: [parent],
        Party.MENTOR: [],
        Party.YOUNG_PERSON: [case.young_person.user],
    }


def test_the_access_log_basis_follows_the_parts(case: Case) -> None:
    name = case.organisation.name
    assert access_basis({Party.YOUNG_PERSON, Party.PARENT}) == (Role.YOUNG_PERSON, "")
    assert access_basis({Party.COORDINATOR}, case_organisation=name, running_organisation="Centrum") == (
        Role.COORDINATOR,
        "Centrum",
    )
    assert access_basis({Party.PROFESSIONAL, Party.PARENT}, case_organisation=name) == (Role.PROFESSIONAL, name)
    assert access_basis({Party.OTHER_PARENT}) == (Role.PARENT, "")
    assert access_basis({Party.MENTOR}) == (Role.MENTOR, "")
    assert access_basis({Party.BROKER}, volunteer_organisation=lambda: "Vrijwilligers") == (
        Role.VOLUNTEER,
        "Vrijwilligers",
    )
    # Seen through a selector: the roles and holders say it, and whoever else sees it is a parent with custody.
    professional = user_with_role(Role.PROFESSIONAL, case.organisation, mfa=False)
    assign(case, professional)
    assert parties_seen_as(professional, case) == {Party.PROFESSIONAL}
    assert case.young_person.user is not None
    assert parties_seen_as(case.young_person.user, case) == {Party.YOUNG_PERSON}
    assert parties_seen_as(UserFactory(), case) == {Party.PARENT}


# --- A proposal round's approval is the approver's own authority -----------------------------------------------------


def test_a_round_approval_links_in_the_approvers_name_and_lends_no_one_else_authority(world: World) -> None:
    from community.brokers import services as community_services
    from matching import services as matching_services
    from tests.builders.matching import accepted, broker

    request, chosen = accepted(world)
    outsider = user_with_role(Role.PROFESSIONAL, world.other_organisation, mfa=False)
    with pytest.raises(PermissionDenied):
        community_services.brokerrequest_link(
            user=outsider, request=request, broker=chosen.volunteer, approved_proposal=chosen
        )
    # The proposal is the authority only for its own broker.
    another = broker(world.organisation)
    with pytest.raises(PermissionDenied):
        community_services.brokerrequest_link(
            user=world.professional, request=request, broker=another, approved_proposal=chosen
        )
    # Without a round, a professional may not link at all.
    with pytest.raises(PermissionDenied):
        community_services.brokerrequest_link(user=world.professional, request=request, broker=chosen.volunteer)
    request.refresh_from_db()
    assert request.broker_id is None
    linked = matching_services.proposal_approve(actor=world.professional, proposal=chosen)
    chosen.refresh_from_db()
    assert isinstance(linked, BrokerRequest)
    assert (linked.broker_id, chosen.decided_by_id) == (chosen.volunteer_id, world.professional.pk)
