"""Builders for the social map (community): resource data and entries, social brokers and their linked requests, and
the people around a group activity (`Cast`, `activity_cast`, behind the `cast` fixture in tests/conftest.py).

Moved here from test modules so that no test imports another (issue #24); behaviour unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import Municipality, Organisation, Role, User
from community import services
from community.activities import services as activity_services
from community.brokers import services as broker_services
from community.models import (
    BrokerRequest,
    Category,
    Cost,
    GroupActivity,
    Resource,
    ResourceTheme,
)
from community.selectors import search_text_for
from community.services import ResourceData
from core.geo import geocode
from tests.conftest import World
from tests.factories import (
    CaseFactory,
    MunicipalityFactory,
    VolunteerFactory,
    YoungPersonFactory,
    add_guardian,
    assign,
    born_years_ago,
    give_all_consents,
    ready_volunteer,
    user_with_role,
)
from volunteers.models import Intake, Outcome, Reference, VogCheck, Volunteer, VolunteerKind
from youth.models import Case


def data(**overrides: Any) -> ResourceData:
    """A valid entry's data (Leiden); override any field."""
    values: dict[str, Any] = {
        "name": "Voetbalclub De Bal",
        "category": Category.SPORTS_CLUB,
        "description": "Voetbal voor kinderen, ook met autisme.",
        "age_min": 6,
        "age_max": 16,
        "themes": ["autism"],
        "address": "Sportpark 1",
        "place": "Leiden",
        "municipality": MunicipalityFactory(name="Leiden"),
        "opening_times": "Woensdag 16:00",
        "cost": Cost.SMALL,
        "cost_note": "€ 5 per maand",
        "phone": "071-5550100",
        "email": "info@debal.example.org",
        "website": "",
    }
    values.update(overrides)
    return cast(ResourceData, values)


def entry(
    organisation: Organisation,
    *,
    name: str = "Voetbalclub De Bal",
    description: str = "Voetbal voor kinderen.",
    place: str = "Leiden",
    themes: tuple[str, ...] = (),
    ages: tuple[int, int] = (0, 99),
    category: str = Category.SPORTS_CLUB,
    checked_days_ago: int = 0,
    checked_by: User | None = None,
) -> Resource:
    """An entry made directly (not through the service), for reading tests."""
    found = geocode(place)
    municipality, _ = Municipality.objects.get_or_create(
        name=place, defaults={"region": MunicipalityFactory(name="Leiden").region}
    )
    resource = Resource.objects.create(
        name=name,
        category=category,
        description=description,
        age_min=ages[0],
        age_max=ages[1],
        place=found.name,
        municipality=municipality,
        latitude=found.latitude,
        longitude=found.longitude,
        phone="071-5550100",
        organisation=organisation,
        checked_on=timezone.localdate() - timedelta(days=checked_days_ago),
        checked_by=checked_by,
        search_text=search_text_for(name, description),
    )
    ResourceTheme.objects.bulk_create([ResourceTheme(resource=resource, theme=t) for t in themes])
    return resource


def social_broker(organisation: Organisation, *, user: User | None = None, screened: bool = True) -> Volunteer:
    """A volunteer registered as social broker; with `screened`, intake, two references and a valid VOG."""
    kwargs: dict[str, Any] = {"organisation": organisation, "kinds": [VolunteerKind.SOCIAL_BROKER]}
    if user is not None:
        kwargs["user"] = user
    volunteer: Volunteer = VolunteerFactory(**kwargs)
    if screened:
        today = date.today()
        Intake.objects.create(volunteer=volunteer, held_on=today, outcome=Outcome.POSITIVE, recorded_by=volunteer.user)
        for name in ("Ria", "Tom"):
            Reference.objects.create(
                volunteer=volunteer,
                name=name,
                relation="buur",
                contact="x",
                contacted_on=today,
                outcome=Outcome.POSITIVE,
            )
        VogCheck.objects.create(
            volunteer=volunteer,
            requested_on=today - timedelta(days=20),
            received_on=today - timedelta(days=5),
            issued_on=today - timedelta(days=10),
            valid_until=today + timedelta(days=1000),
        )
    return volunteer


def activity_data(**overrides: Any) -> activity_services.ActivityData:
    starts = timezone.now().replace(microsecond=0) + timedelta(days=7)
    values: dict[str, Any] = {
        "title": "Oudergroep",
        "description": "Ouders praten met elkaar over opvoeden.",
        "place": "Wijkcentrum De Kooi",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "places": 3,
        "age_min": None,
        "age_max": None,
    }
    values.update(overrides)
    return cast(activity_services.ActivityData, values)


def link(case: Case, professional: User, coordinator: User, broker: Volunteer) -> None:
    """An open request for a broker on the case, with `broker` linked."""
    request = broker_services.brokerrequest_ask(user=professional, case=case, purpose="Een oudergroep")
    give_all_consents(case.young_person)  # a broker is linked only with consent (youth/consent.py)
    broker_services.brokerrequest_link(user=coordinator, request=request, broker=broker)


@dataclass
class Cast:
    world: World
    organiser: Volunteer
    other_broker: Volunteer
    foreign_coordinator: User
    parent_without_custody: User
    activity: GroupActivity

    def role(self, name: str) -> Any:
        return {
            "organiser": self.organiser.user,
            "other_broker": self.other_broker.user,
            "coordinator": self.world.coordinator,
            "foreign_coordinator": self.foreign_coordinator,
            "professional": self.world.professional,
            "foreign_professional": self.world.outsider,
            "parent": self.world.parent,
            "parent_without_custody": self.parent_without_custody,
            "young_person": self.world.young_person_user,
            "anonymous": AnonymousUser(),
        }[name]


def broker_of(world: World) -> Volunteer:
    # Each open request linked to a broker takes one of their places; these tests link several families.
    return ready_volunteer(world.organisation, kinds=[VolunteerKind.SOCIAL_BROKER], capacity=10)


def activity_cast(world: World) -> Cast:
    """The people around an activity of organisation A: its organiser (a broker linked to the world's case), another
    broker, a coordinator of organisation B, a parent without custody of the world's young person (the `cast`
    fixture)."""
    organiser, other = broker_of(world), broker_of(world)
    link(world.case, world.professional, world.coordinator, organiser)
    without_custody = user_with_role(Role.PARENT, first_name="Joost")
    add_guardian(world.young_person, without_custody, custody=False)
    activity = activity_services.groupactivity_create(
        actor=organiser.user, organisation=world.organisation, data=activity_data()
    )
    return Cast(
        world=world,
        organiser=organiser,
        other_broker=other,
        foreign_coordinator=user_with_role(Role.COORDINATOR, world.other_organisation),
        parent_without_custody=without_custody,
        activity=activity,
    )


def linked_case(cast: Cast, *, years: int = 15) -> Case:
    """Another family of organisation A with the organiser linked to its open request."""
    world = cast.world
    case = assign(
        CaseFactory(
            organisation=world.organisation, young_person=YoungPersonFactory(date_of_birth=born_years_ago(years))
        ),
        world.professional,
    )
    if years < 12:  # under 12 the parents with custody give the consent a linked broker needs
        add_guardian(case.young_person, user_with_role(Role.PARENT))
    link(case, world.professional, world.coordinator, cast.organiser)
    return case


def broker_for(world: World) -> Volunteer:
    return ready_volunteer(world.organisation, kinds=[VolunteerKind.SOCIAL_BROKER])


def linked_request(world: World) -> tuple[BrokerRequest, Volunteer]:
    request = broker_services.brokerrequest_ask(
        user=world.professional, case=world.case, purpose="Een sportclub vinden"
    )
    broker = broker_for(world)
    return broker_services.brokerrequest_link(user=world.coordinator, request=request, broker=broker), broker


def a_resource(world: World) -> Resource:
    return services.resource_create(actor=world.coordinator, organisation=world.organisation, data=data())
