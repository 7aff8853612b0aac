"""factory_boy factories. Made-up people only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone
from factory.declarations import (
    LazyAttribute,
    LazyFunction,
    PostGeneration,
    PostGenerationMethodCall,
    SelfAttribute,
    Sequence,
    SubFactory,
    Trait,
)
from factory.faker import Faker

from accounts.models import STAFF_ROLES, Municipality, Organisation, Region, Role, RoleAssignment, User
from volunteers.models import Volunteer, VolunteerKind, VolunteerRole
from youth.models import Case, CaseAssignment, Consent, Guardianship, YoungPerson

PASSWORD = "een-lang-testwachtwoord"

M = TypeVar("M")


class ModelFactory(factory.django.DjangoModelFactory[M]):
    """A factory whose call gives its model to mypy: `VolunteerFactory()` is a `Volunteer` (factory_boy's metaclass
    makes the call create the model, which its types do not say)."""

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        # Only for mypy: calling the class runs FactoryMetaClass.__call__, which returns the created model.
        def __new__(cls, **kwargs: Any) -> M: ...  # type: ignore[misc]


def post_generation(function: Callable[..., None]) -> PostGeneration:
    """factory_boy's `post_generation` decorator, typed (its own is not, which would leave the method untyped)."""
    return PostGeneration(function)


class RegionFactory(ModelFactory[Region]):
    class Meta:
        model = Region
        django_get_or_create = ("name",)

    name = "Holland Rijnland"


class MunicipalityFactory(ModelFactory[Municipality]):
    class Meta:
        model = Municipality
        django_get_or_create = ("name",)

    name = "Leiden"
    region = SubFactory(RegionFactory)


class OrganisationFactory(ModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = Sequence(lambda n: f"Jeugdteam {n}")
    kind = Organisation.Kind.LOCAL_TEAM
    team_label = "jeugd- en gezinsteam"


class DutchName(Faker):
    """A made-up Dutch first or last name without an apostrophe ("van 't Erve"). Pages escape the apostrophe
    (`&#x27;`), so a test that looks for a name in a page failed now and then on such a name; how those names
    show is tested on purpose instead (tests/test_accesslog.py)."""

    def __init__(self, provider: str) -> None:
        super().__init__(provider, locale="nl_NL")

    def evaluate(self, instance: Any, step: Any, extra: dict[str, Any]) -> Any:
        while "'" in (name := super().evaluate(instance, step, dict(extra))):
            pass
        return name


class UserFactory(ModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = Sequence(lambda n: f"persoon{n}@test.example")
    first_name = DutchName("first_name")
    last_name = DutchName("last_name")
    password = PostGenerationMethodCall("set_password", PASSWORD)

    class Params:
        # An account reachable by phone only (a young person invited by SMS): no email address, a proved number.
        phone_only = Trait(
            email=None,
            phone=Sequence(lambda n: f"+3161{n:07d}"),
            phone_verified=True,
            contact_preference=User.Contact.SMS,
        )

    @post_generation
    def verified(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()
            if obj.email:
                EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


def user_with_role(role: str, organisation: Organisation | None = None, *, mfa: bool = True, **kwargs: object) -> User:
    """A user holding one role; staff roles get a TOTP second factor unless `mfa=False`."""
    user = UserFactory(**kwargs)
    RoleAssignment.objects.create(user=user, role=role, organisation=organisation)
    if role in STAFF_ROLES and mfa:
        TOTP.activate(user, generate_totp_secret())
    return user


def born_years_ago(years: int, *, days_after_birthday: int = 30) -> date:
    today = timezone.localdate()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        birthday = today.replace(year=today.year - years, day=28)
    return birthday - timedelta(days=days_after_birthday)


class YoungPersonFactory(ModelFactory[YoungPerson]):
    class Meta:
        model = YoungPerson

    first_name = DutchName("first_name")
    last_name = DutchName("last_name")
    date_of_birth = LazyFunction(lambda: born_years_ago(15))
    residence_municipality = SubFactory(MunicipalityFactory)
    paying_municipality = SelfAttribute("residence_municipality")
    home_place = "Leiden"
    latitude = 52.15833
    longitude = 4.49306
    languages = LazyFunction(lambda: ["nl"])


class CaseFactory(ModelFactory[Case]):
    class Meta:
        model = Case

    young_person = SubFactory(YoungPersonFactory)
    organisation = SubFactory(OrganisationFactory)
    opened_on = LazyFunction(timezone.localdate)


def assign(case: Case, professional: User, *, lead: bool = True) -> Case:
    CaseAssignment.objects.create(case=case, professional=professional, is_lead=lead)
    return case


def give_all_consents(young_person: YoungPerson) -> None:
    """Every party the age rule asks today says yes to every purpose (youth/consent.py), each in their own name
    (the young person's yes is theirs even without an account). A party with a standing yes is left as is, so a
    test calls this again after adding a parent."""
    from youth.consent_texts import CONSENT_TEXTS
    from youth.selectors import consent_parties_required

    parties = consent_parties_required(young_person=young_person)
    standing = Consent.objects.filter(young_person=young_person, withdrawn_at__isnull=True)
    for purpose, text in CONSENT_TEXTS.items():
        if parties.young_person and not standing.filter(purpose=purpose, given_as="young_person").exists():
            Consent.objects.create(
                young_person=young_person,
                purpose=purpose,
                given_by=young_person.user,
                given_as=Consent.GivenAs.YOUNG_PERSON,
                text_version=text.version,
            )
        for parent in parties.custodial_parents:
            if not standing.filter(purpose=purpose, given_by=parent, given_as="custodial_parent").exists():
                Consent.objects.create(
                    young_person=young_person,
                    purpose=purpose,
                    given_by=parent,
                    given_as=Consent.GivenAs.CUSTODIAL_PARENT,
                    text_version=text.version,
                )


def with_consents(case: Case) -> Case:
    """The case, after every party the age rule asks said yes to every purpose (`give_all_consents`)."""
    give_all_consents(case.young_person)
    return case


def add_guardian(young_person: YoungPerson, guardian: User, *, custody: bool = True) -> Guardianship:
    return Guardianship.objects.create(young_person=young_person, guardian=guardian, has_custody=custody)


class VolunteerFactory(ModelFactory[Volunteer]):
    """A registered volunteer (a buddy unless `kinds` says otherwise) with a user holding the volunteer role."""

    class Meta:
        model = Volunteer
        skip_postgeneration_save = True

    user = LazyAttribute(lambda o: user_with_role(Role.VOLUNTEER, o.organisation))
    organisation = SubFactory(OrganisationFactory, kind=Organisation.Kind.VOLUNTEER_ORGANISATION)
    home_place = "Leiden"
    municipality = SubFactory(MunicipalityFactory)
    latitude = 52.15833
    longitude = 4.49306
    travel_radius_km = 10
    languages = LazyFunction(lambda: ["nl"])

    @post_generation
    def kinds(obj: Volunteer, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create:
            for kind in extracted or [VolunteerKind.BUDDY]:
                VolunteerRole.objects.create(volunteer=obj, kind=kind)


SUPPORT_FAMILY_TEXTS = {
    "schedule": "Elk tweede weekend, van vrijdag 17:00 tot zondag 17:00. Moeder brengt, het steungezin brengt terug.",
    "house_rules": "Om 20:00 naar bed. Een uur tablet per dag.",
    "who_to_call": "Moeder: 06-12345678. Bij nood: 112.",
}


def agreement_in_force(match: Any, proposer: User) -> Any:
    """Agreements in force for a support-family match (approved, trial or active): proposed by `proposer` (a
    coordinator or the professional), then agreed by everyone asked. Returns the version in force."""
    from hostfamilies.services import match_agreement_agree, match_agreement_propose

    version = match_agreement_propose(actor=proposer, match=match, sections=dict(SUPPORT_FAMILY_TEXTS))
    for signature in version.signatures.select_related("user"):
        assert signature.user is not None
        version = match_agreement_agree(actor=signature.user, match=match, version=version)
    assert version.in_force_at is not None
    return version


def introduction_visits_record(match: Any, coordinator: User) -> Any:
    """Record all three introduction visits of a match at its introduction step, today, by `coordinator` (of the
    request's organisation), so both families can say yes. Returns the match as it is now."""
    from hostfamilies.services import match_introduction_record
    from hostfamilies.states import Visit

    for visit in Visit.values:
        match = match_introduction_record(actor=coordinator, match=match, visit=visit, on=timezone.localdate())
    return match


def ready_volunteer(organisation: Organisation, *, kinds: list[str] | None = None, **kwargs: Any) -> Volunteer:
    """A volunteer of `kinds` (a buddy by default) who is matchable: intake, home visit, two references and a valid
    VOG recorded (no courses exist, so none are required)."""
    from volunteers.models import HomeVisit, Intake, Outcome, Reference, VogCheck

    volunteer = VolunteerFactory(organisation=organisation, kinds=kinds or [VolunteerKind.BUDDY], **kwargs)
    checker = user_with_role(Role.COORDINATOR, organisation)
    today = timezone.localdate()
    Intake.objects.create(volunteer=volunteer, held_on=today, outcome=Outcome.POSITIVE, recorded_by=checker)
    HomeVisit.objects.create(volunteer=volunteer, held_on=today, outcome=Outcome.POSITIVE, recorded_by=checker)
    for name in ("Piet", "Els"):
        Reference.objects.create(
            volunteer=volunteer, name=name, relation="buur", contact="06", outcome=Outcome.POSITIVE
        )
    VogCheck.objects.create(
        volunteer=volunteer,
        requested_on=today,
        received_on=today,
        issued_on=today,
        valid_until=today.replace(year=today.year + 3),
    )
    return volunteer


def buddy_request_for(case: Case, professional: User) -> Any:
    """A waiting request for a buddy for the case's young person, after a search of the network that found nobody."""
    from youth.models import BuddyRequest, NetworkSearch

    search = NetworkSearch.objects.create(
        young_person=case.young_person,
        searched_on=timezone.localdate(),
        with_whom="jongere en moeder",
        outcome="niemand gevonden",
        recorded_by=professional,
    )
    return BuddyRequest.objects.create(
        young_person=case.young_person, case=case, search=search, requested_by=professional
    )
