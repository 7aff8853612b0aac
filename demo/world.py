"""The demo world: real Dutch regions and municipalities, made-up organisations and people.

Loading is idempotent: every object is found by a stable key before it is made, so a second run changes nothing.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import ORGANISATION_ROLES, STAFF_ROLES, Municipality, Organisation, Region, Role, Team, User
from accounts.selectors import DEMO_EMAIL_DOMAIN
from accounts.services import role_grant
from community.models import BrokerRequest
from core.geo import geocode
from demo.community import broker_demo_load, community_demo_load
from demo.people import BACKGROUND_DOMAIN, DEMO_PASSWORD, demo_messages, screened_volunteer
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.services import (
    match_agreement_agree,
    match_agreement_propose,
    match_introduction_record,
    match_move,
    match_propose,
    supportrequest_create,
)
from hostfamilies.states import Visit
from insights.services import tally_refresh, tally_refresh_schedule
from insights.tallies import tally_as_of
from matching.services import proposal_round_show, proposal_round_suggest
from mentors import services as jim
from mentors.models import Mentorship
from mentors.states import State as MentorState
from messaging.models import Conversation
from respite import services as respite_services
from respite.models import RespiteOption, Stay
from training.models import Course, CourseCompletion, Session
from volunteers.models import (
    AvailabilitySlot,
    DayPart,
    HomeVisit,
    Household,
    HouseholdMember,
    Intake,
    Outcome,
    Reference,
    VogCheck,
    Volunteer,
    VolunteerKind,
    VolunteerRole,
)
from youth.consent_texts import CONSENT_TEXTS
from youth.models import (
    BuddyRequest,
    Case,
    CaseAssignment,
    Consent,
    Guardianship,
    NetworkSearch,
    YoungPerson,
)
from youth.network.services import mentorchoice_set, networkperson_add, networksearch_record
from youth.selectors import consent_parties_required
from youth.services import consent_state_refresh

# Published in README so that someone trying the demo can log in with the form and an authenticator app too.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPDICHTBIJ"  # noqa: S105 - published in README

REGIONS: dict[str, list[str]] = {
    "Holland Rijnland": [
        "Alphen aan den Rijn",
        "Hillegom",
        "Kaag en Braassem",
        "Katwijk",
        "Leiden",
        "Leiderdorp",
        "Lisse",
        "Nieuwkoop",
        "Noordwijk",
        "Oegstgeest",
        "Teylingen",
        "Voorschoten",
        "Zoeterwoude",
    ],
    "Zuid-Limburg": [
        "Beek",
        "Beekdaelen",
        "Brunssum",
        "Eijsden-Margraten",
        "Gulpen-Wittem",
        "Heerlen",
        "Kerkrade",
        "Landgraaf",
        "Maastricht",
        "Meerssen",
        "Simpelveld",
        "Sittard-Geleen",
        "Stein",
        "Vaals",
        "Valkenburg aan de Geul",
        "Voerendaal",
    ],
    "Utrecht Stad": ["Utrecht"],
    "Eemland": ["Amersfoort", "Baarn", "Bunschoten", "Leusden", "Soest", "Woudenberg"],
    "West-Brabant-West": [
        "Bergen op Zoom",
        "Etten-Leur",
        "Halderberge",
        "Moerdijk",
        "Roosendaal",
        "Rucphen",
        "Steenbergen",
        "Woensdrecht",
        "Zundert",
    ],
}

ORGANISATIONS = [
    (
        "Jeugd- en Gezinsteam Leiden (demo)",
        Organisation.Kind.LOCAL_TEAM,
        "jeugd- en gezinsteam",
        ["Leiden", "Leiderdorp"],
    ),
    ("Buurtteam Utrecht Oost (demo)", Organisation.Kind.LOCAL_TEAM, "buurtteam", ["Utrecht"]),
    ("Vrijwilligerscentrum Rijnland (demo)", Organisation.Kind.VOLUNTEER_ORGANISATION, "", ["Leiden", "Katwijk"]),
]

# (email local part, first name, last name, roles, organisation or None)
PEOPLE = [
    ("sanne", "Sanne", "de Vries", [Role.YOUNG_PERSON], None),
    ("marieke", "Marieke", "de Vries", [Role.PARENT], None),
    ("karin", "Karin", "Bos", [Role.MENTOR], None),
    ("ahmed", "Ahmed", "Yilmaz", [Role.VOLUNTEER, Role.MENTOR], "Vrijwilligerscentrum Rijnland (demo)"),
    ("lisa", "Lisa", "Jansen", [Role.PROFESSIONAL], "Jeugd- en Gezinsteam Leiden (demo)"),
    ("peter", "Peter", "Smit", [Role.COORDINATOR], "Jeugd- en Gezinsteam Leiden (demo)"),
    ("femke", "Femke", "Visser", [Role.ANALYST], None),
    ("bram", "Bram", "Hendriks", [Role.ADMIN], None),
    ("eva", "Eva", "Mulder", [Role.PROFESSIONAL], "Buurtteam Utrecht Oost (demo)"),
]


def email_for(local: str) -> str:
    return f"{local}@{DEMO_EMAIL_DOMAIN}"


@transaction.atomic
def demo_load(*, history: bool = True) -> None:
    """Create (or find) the whole demo world. `history=False` leaves out the two years of made-up figures for the
    analyst: half the time of a load, and only the insights pages show them (tests that need them ask for them)."""
    municipalities = _places()
    organisations = _organisations(municipalities)
    people = {
        local: _person(local, first, last, roles, organisations.get(org) if org else None)
        for local, first, last, roles, org in PEOPLE
    }
    role_grant(user=people["femke"], role=Role.ANALYST, region=Region.objects.get(name="Holland Rijnland"))

    leiden, utrecht = municipalities["Leiden"], municipalities["Utrecht"]
    local_team = organisations["Jeugd- en Gezinsteam Leiden (demo)"]
    sanne = _young_person("Sanne", "de Vries", date(2011, 3, 14), leiden, "Leiden", ["nl", "en"], people["sanne"])
    daan = _young_person("Daan", "de Vries", date(2017, 8, 2), leiden, "Leiden", ["nl"], None)
    noah = _young_person("Noah", "Bakker", date(2009, 1, 20), leiden, "Leiderdorp", ["nl", "ar"], None)
    mees = _young_person("Mees", "van Dijk", date(2013, 6, 9), utrecht, "Utrecht", ["nl"], None)
    for child in (sanne, daan):
        Guardianship.objects.get_or_create(
            young_person=child, guardian=people["marieke"], defaults={"has_custody": True}
        )
    _case(sanne, local_team, people["lisa"], date(2026, 9, 1), threatened=True)
    daan_case = _case(daan, local_team, people["lisa"], date(2026, 10, 6), threatened=False)
    noah_case = _case(noah, local_team, None, date(2026, 11, 2), threatened=False)
    mees_case = _case(
        mees, organisations["Buurtteam Utrecht Oost (demo)"], people["eva"], date(2026, 8, 17), threatened=False
    )
    # Everyone the age rule asks said yes to both purposes, as the running matches need (youth/consent.py).
    # Noah and Mees have no account: their professional wrote down the yes they gave on paper.
    for child, recorder in ((sanne, None), (daan, None), (noah, people["peter"]), (mees, people["eva"])):
        _consents(child, recorded_by=recorder)
    _volunteers(organisations, municipalities)
    _training(organisations)
    _support_family_match(daan_case, organisations[VOLUNTEER_CENTRE], people)
    _waiting_list([(noah_case, people["peter"], 38), (mees_case, people["eva"], 12)], organisations[VOLUNTEER_CENTRE])
    _network(people, sanne, noah)
    _mentorships(people, sanne, mees)
    _conversations(people, sanne)
    _respite(organisations[VOLUNTEER_CENTRE], people)
    _proposals(organisations[VOLUNTEER_CENTRE], local_team, people, leiden)
    _buddies(organisations[VOLUNTEER_CENTRE], people, noah, leiden)
    _insights(made_history=history and _history(municipalities))
    community_demo_load(email_for)
    broker_demo_load(email_for)
    # Made with direct writes (and bulk_create for the history), so the stored consent answers are worked out at the
    # end, the way every service writes them; one UPDATE.
    consent_state_refresh(YoungPerson.objects.values("pk"))


def _consents(young_person: YoungPerson, *, recorded_by: User | None) -> None:
    """A standing yes to every purpose from every party the age rule asks today; made once (a second load finds
    them). The young person's own yes is in their name when they have an account, else `recorded_by` wrote it down."""
    parties = consent_parties_required(young_person=young_person)
    given: list[tuple[str, User | None, User | None]] = []
    if parties.young_person:
        given.append((Consent.GivenAs.YOUNG_PERSON, young_person.user, None if young_person.user else recorded_by))
    given += [(Consent.GivenAs.CUSTODIAL_PARENT, parent, None) for parent in parties.custodial_parents]
    for purpose, text in CONSENT_TEXTS.items():
        for given_as, given_by, recorder in given:
            standing = Consent.objects.filter(
                young_person=young_person, purpose=purpose, given_as=given_as, withdrawn_at__isnull=True
            )
            if given_as == Consent.GivenAs.CUSTODIAL_PARENT:
                standing = standing.filter(given_by=given_by)
            if not standing.exists():
                Consent.objects.create(
                    young_person=young_person,
                    purpose=purpose,
                    given_as=given_as,
                    given_by=given_by,
                    recorded_by=recorder,
                    text_version=text.version,
                )


def _places() -> dict[str, Municipality]:
    municipalities = {}
    for region_name, names in REGIONS.items():
        region, _ = Region.objects.get_or_create(name=region_name)
        for name in names:
            municipalities[name], _ = Municipality.objects.get_or_create(name=name, defaults={"region": region})
    return municipalities


def _organisations(municipalities: dict[str, Municipality]) -> dict[str, Organisation]:
    organisations = {}
    for name, kind, label, served in ORGANISATIONS:
        organisation, created = Organisation.objects.get_or_create(
            name=name, defaults={"kind": kind, "team_label": label}
        )
        if created:
            organisation.municipalities.set([municipalities[m] for m in served])
        organisations[name] = organisation
    Team.objects.get_or_create(organisation=organisations[ORGANISATIONS[0][0]], name="Team Leiden Noord")
    return organisations


def _person(local: str, first: str, last: str, roles: Sequence[str], organisation: Organisation | None) -> User:
    user = User.objects.filter(email=email_for(local)).first()
    if user is None:
        user = User.objects.create_user(
            email_for(local), DEMO_PASSWORD, first_name=first, last_name=last, is_superuser=Role.ADMIN in roles
        )
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    for role in roles:
        role_grant(user=user, role=role, organisation=organisation if role in ORGANISATION_ROLES else None)
    if STAFF_ROLES & set(roles) and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
    return user


def _young_person(
    first: str, last: str, born: date, municipality: Municipality, place: str, languages: list[str], user: User | None
) -> YoungPerson:
    found = geocode(place)
    young_person, _ = YoungPerson.objects.get_or_create(
        first_name=first,
        last_name=last,
        date_of_birth=born,
        defaults={
            "residence_municipality": municipality,
            "paying_municipality": municipality,
            "home_place": found.name,
            "latitude": found.latitude,
            "longitude": found.longitude,
            "languages": languages,
            "user": user,
        },
    )
    return young_person


def _case(
    young_person: YoungPerson, organisation: Organisation, professional: User | None, opened: date, *, threatened: bool
) -> Case:
    case, _ = Case.objects.get_or_create(
        young_person=young_person,
        organisation=organisation,
        opened_on=opened,
        defaults={"threatened_out_of_home_placement": threatened},
    )
    if professional is not None:
        CaseAssignment.objects.get_or_create(case=case, professional=professional, defaults={"is_lead": True})
    return case


# Volunteers in every stage of screening, in the volunteer centre (they have no one-click login).
VOLUNTEER_CENTRE = "Vrijwilligerscentrum Rijnland (demo)"
VOLUNTEERS = [
    # email local part, first, last, kinds, place, how far screening got
    ("ahmed", "Ahmed", "Yilmaz", [VolunteerKind.BUDDY, VolunteerKind.SOCIAL_BROKER], "Leiden", "matchable"),
    ("joke", "Joke", "van der Meer", [VolunteerKind.BUDDY], "Katwijk", "registered"),
    ("henk", "Henk", "Dekker", [VolunteerKind.PLUS_BUDDY], "Leiderdorp", "intake"),
    ("fatima", "Fatima", "El Amrani", [VolunteerKind.SUPPORT_FAMILY], "Leiden", "screened"),
    ("kees", "Kees", "Brouwer", [VolunteerKind.BUDDY], "Oegstgeest", "paused"),
    ("willem", "Willem", "de Graaf", [VolunteerKind.SUPPORT_FAMILY], "Leiderdorp", "matched"),
    ("anouk", "Anouk", "Verhoeven", [VolunteerKind.BUDDY], "Voorschoten", "stopped"),
]


def _volunteers(organisations: dict[str, Organisation], municipalities: dict[str, Municipality]) -> None:
    centre = organisations[VOLUNTEER_CENTRE]
    coordinator = User.objects.get(email=email_for("peter"))
    role_grant(user=coordinator, role=Role.COORDINATOR, organisation=centre)
    today = date.today()
    for local, first, last, kinds, place, stage in VOLUNTEERS:
        email = email_for(local) if local == "ahmed" else f"{local}@{BACKGROUND_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, first_name=first, last_name=last)
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        role_grant(user=user, role=Role.VOLUNTEER, organisation=centre)
        if Volunteer.objects.filter(user=user).exists():
            continue
        found = geocode(place)
        volunteer = Volunteer.objects.create(
            user=user,
            organisation=centre,
            home_place=found.name,
            municipality=municipalities.get(place, municipalities["Leiden"]),
            latitude=found.latitude,
            longitude=found.longitude,
            travel_radius_km=10,
            # Ahmed is a buddy and the centre's social broker: room for Sanne's family, Daan's, and one more.
            capacity=3 if local == "ahmed" else 1,
            experience=["autism"] if local in ("ahmed", "fatima") else [],
            interests="voetbal, fietsen" if local == "ahmed" else "koken, wandelen",
            languages=["nl", "ar"] if local in ("ahmed", "fatima") else ["nl"],
            preferred_age_min=6,
            preferred_age_max=18,
            status={"paused": Volunteer.Status.PAUSED, "stopped": Volunteer.Status.STOPPED}.get(
                stage, Volunteer.Status.ACTIVE
            ),
        )
        # Registered a while ago, so the pipeline shows how long each has waited.
        registered = timezone.now() - timedelta(days=5 if stage == "registered" else 60)
        Volunteer.objects.filter(pk=volunteer.pk).update(registered_at=registered, status_changed_at=None)
        for kind in kinds:
            VolunteerRole.objects.create(volunteer=volunteer, kind=kind)
        for weekday, part in [(2, DayPart.AFTERNOON), (5, DayPart.AFTERNOON), (5, DayPart.OVERNIGHT)]:
            AvailabilitySlot.objects.create(volunteer=volunteer, weekday=weekday, day_part=part)
        if VolunteerKind.SUPPORT_FAMILY in kinds:
            home = Household.objects.create(volunteer=volunteer, pets="een kat", beds_for_stays=1)
            HouseholdMember.objects.create(household=home, first_name=first)
            HouseholdMember.objects.create(household=home, first_name="Youssef")
            HouseholdMember.objects.create(household=home, first_name="Noor", is_adult=False, birth_year=today.year - 9)
        if stage in ("registered", "stopped"):
            continue
        Intake.objects.create(
            volunteer=volunteer, held_on=today - timedelta(days=40), outcome=Outcome.POSITIVE, recorded_by=coordinator
        )
        if stage == "intake":
            Reference.objects.create(volunteer=volunteer, name="Ria Vos", relation="buurvrouw", contact="071-5550101")
            continue
        for name in ("Ria Vos", "Tom Bakker"):
            Reference.objects.create(
                volunteer=volunteer,
                name=name,
                relation="buur",
                contact="071-5550101",
                contacted_on=today - timedelta(days=30),
                outcome=Outcome.POSITIVE,
            )
        if VolunteerKind.SUPPORT_FAMILY in kinds:
            HomeVisit.objects.create(
                volunteer=volunteer,
                held_on=today - timedelta(days=25),
                outcome=Outcome.POSITIVE,
                recorded_by=coordinator,
            )
        issued = today - timedelta(days=20)
        VogCheck.objects.create(
            volunteer=volunteer,
            requested_on=issued - timedelta(days=14),
            received_on=issued + timedelta(days=3),
            issued_on=issued,
            screening_profile="Minderjarigen",
            checked_by=coordinator,
            valid_until=issued.replace(year=issued.year + 3),
        )


# (title, kind, for which volunteers, theme); sessions are planned only when a course is first created.
COURSES = [
    ("Basistraining maatje", Course.Kind.BASIC, VolunteerKind.BUDDY, ""),
    ("Basistraining steungezin", Course.Kind.BASIC, VolunteerKind.SUPPORT_FAMILY, ""),
    ("Intervisie autisme", Course.Kind.THEMED, "", Course.Theme.AUTISM),
    ("Terugkombijeenkomst (vecht)scheiding", Course.Kind.THEMED, "", Course.Theme.DIVORCE),
]
COMPLETED = {
    "ahmed": "Basistraining maatje",
    "kees": "Basistraining maatje",
    "willem": "Basistraining steungezin",
}


def _training(organisations: dict[str, Organisation]) -> None:
    centre = organisations[VOLUNTEER_CENTRE]
    start = timezone.localtime().replace(hour=19, minute=30, second=0, microsecond=0)
    courses = {}
    for number, (title, kind, for_kind, theme) in enumerate(COURSES):
        course, created = Course.objects.get_or_create(
            organisation=centre, title=title, defaults={"kind": kind, "for_kind": for_kind, "theme": theme}
        )
        courses[title] = course
        if created:
            for week in (2, 6):
                begins = start + timedelta(weeks=week, days=number)
                Session.objects.create(
                    course=course,
                    starts_at=begins,
                    ends_at=begins + timedelta(hours=2),
                    place="Stationsplein 12, Leiden",
                    trainer="Marloes de Wit",
                    capacity=2 if week == 2 else 12,
                )
    for local, title in COMPLETED.items():
        volunteer = Volunteer.objects.get(user__email__startswith=f"{local}@")
        CourseCompletion.objects.get_or_create(
            volunteer=volunteer,
            course=courses[title],
            defaults={"completed_on": timezone.localdate() - timedelta(days=10)},
        )


def _support_family_match(case: Case, centre: Organisation, people: dict[str, User]) -> None:
    """Two support-family matches, made through the services so the demo passes the same checks as real use:
    Daan's family with Willem's family in the trial period, and Sanne with Fatima's family, running, with
    agreements both families agreed to and the first review planned."""
    coordinator = people["peter"]
    if not SupportRequest.objects.filter(case=case).exists():
        request = supportrequest_create(
            actor=coordinator,
            case=case,
            organisation=centre,
            what_for="Een weekend per maand logeren, zodat moeder rust heeft.",
            wants_weekend_stays=True,
            frequency=SupportRequest.Frequency.MONTHLY,
        )
        _backdate(request, days=75)
        willem = Volunteer.objects.get(user__email__startswith="willem@")
        _match_walk(request, willem, people, until="start_trial")
    sanne_case = Case.objects.filter(young_person__user=people["sanne"], closed_on__isnull=True).first()
    if sanne_case is None or SupportRequest.objects.filter(case=sanne_case).exists():
        return
    fatima = Volunteer.objects.get(user__email__startswith="fatima@")
    # Fatima's family finished the basic training, which a support family needs before it can be matched.
    basic = Course.objects.get(organisation=centre, title="Basistraining steungezin")
    CourseCompletion.objects.get_or_create(
        volunteer=fatima, course=basic, defaults={"completed_on": timezone.localdate() - timedelta(days=30)}
    )
    request = supportrequest_create(
        actor=people["lisa"],
        case=sanne_case,
        organisation=centre,
        what_for="Een plek op woensdagmiddag om huiswerk te maken en even tot rust te komen.",
        wants_weekday_afternoons=True,
        frequency=SupportRequest.Frequency.WEEKLY,
    )
    _backdate(request, days=120)
    match = _match_walk(request, fatima, people, until="start_trial")
    version = match_agreement_propose(
        actor=coordinator,
        match=match,
        sections={
            "schedule": "Elke woensdag van 13:00 tot 18:00. Sanne fietst zelf heen, Fatima brengt haar om 18:00 thuis.",
            "house_rules": "Eerst huiswerk, dan vrije tijd. Telefoon op stil tijdens het eten. We eten samen halal.",
            "who_to_call": "Marieke (moeder): 06-11111111. Lisa (jeugdprofessional): 071-5550199, op werkdagen.",
        },
    )
    for signatory in (people["marieke"], fatima.user):
        version = match_agreement_agree(actor=signatory, match=match, version=version)
    match_move(actor=coordinator, match=match, move="activate")


def _backdate(request: SupportRequest, *, days: int) -> None:
    """The family asked `days` ago, so the pages show a real waiting time."""
    SupportRequest.objects.filter(pk=request.pk).update(created_at=timezone.now() - timedelta(days=days))


def _match_walk(
    request: SupportRequest, family: Volunteer, people: dict[str, User], *, until: str
) -> SupportFamilyMatch:
    """Propose `family` for `request` and make the moves of the happy path up to and including `until`."""
    coordinator = people["peter"]
    match = match_propose(actor=coordinator, request=request, volunteer=family)
    for actor, move in [
        (coordinator, "introduce"),
        (people["marieke"], "family_yes"),
        (family.user, "host_yes"),
        (coordinator, "approve"),
        (coordinator, "start_trial"),
    ]:
        match = match_move(actor=actor, match=match, move=move)
        if move == until:
            break
        if move == "introduce":
            # Peter visits both families and brings them together before they can say yes.
            for visit in Visit.values:
                match = match_introduction_record(actor=coordinator, match=match, visit=visit, on=timezone.localdate())
    return match


def _waiting_list(waiting: list[tuple[Case, User, int]], centre: Organisation) -> None:
    """Families on the volunteer centre's waiting list for a support family: (case, who asked, days ago)."""
    for case, actor, days_ago in waiting:
        if SupportRequest.objects.filter(case=case).exists():
            continue
        made = supportrequest_create(
            actor=actor,
            case=case,
            organisation=centre,
            what_for="Een plek waar het kind even tot rust kan komen, en een gezin om op terug te vallen.",
            wants_weekend_stays=True,
            frequency=SupportRequest.Frequency.FORTNIGHTLY,
            other_children_ages=[6] if days_ago > 30 else [],
            pet_allergy=days_ago < 30,
        )
        _backdate(made, days=days_ago)


STAY_HOUSE = "Logeerhuis De Linde (demo)"


def _respite(centre: Organisation, people: dict[str, User]) -> None:
    """The volunteer centre's stay house (2 beds) and Willem's family's bed, with stays in the coming weeks: a
    full weekend, a child on the waiting list for it, and two requests for Peter to decide (through the services,
    so the demo passes the same checks as real use). Made once; the dates are relative to the first load."""
    if RespiteOption.objects.filter(name=STAY_HOUSE).exists():
        return
    coordinator = people["peter"]
    house = respite_services.respiteoption_create(
        actor=coordinator,
        organisation=centre,
        coordinator=coordinator,
        kind=RespiteOption.Kind.STAY_HOUSE,
        name=STAY_HOUSE,
        beds_per_night=2,
        # Up to 21, so that Noah (17 now, born 2009) can still stay in later years of the demo.
        age_min=4,
        age_max=21,
        rules="Om 21.00 uur is het stil in huis. Telefoons gaan 's nachts in het bakje op de gang. "
        "Neem je eigen knuffel of kussen mee.",
    )
    willem = Volunteer.objects.get(user__email__startswith="willem@")
    family_beds = respite_services.respiteoption_create(
        actor=coordinator,
        organisation=centre,
        coordinator=coordinator,
        kind=RespiteOption.Kind.SUPPORT_FAMILY_BEDS,
        volunteer=willem,  # the household has one bed for stays
        name="Logeren bij Willem de Graaf (demo)",
        age_min=4,
        age_max=14,
        rules="Er is een kat in huis. Op zaterdag eten we samen pannenkoeken.",
    )
    cases = {
        c.young_person.first_name: c
        for c in Case.objects.select_related("young_person").filter(
            young_person__first_name__in=["Sanne", "Daan", "Noah", "Mees"], closed_on__isnull=True
        )
    }
    today = timezone.localdate()
    friday = today + timedelta(days=(4 - today.weekday()) % 7 + 7)

    def ask(option: RespiteOption, child: str, actor: str, start: int, nights: int, **kwargs: bool) -> Stay:
        return respite_services.stay_request(
            actor=people[actor],
            option=option,
            case=cases[child],
            arrival=friday + timedelta(days=start),
            departure=friday + timedelta(days=start + nights),
            **kwargs,
        )

    # A weekend one or two weeks ahead is full at the stay house; Daan waits for a bed.
    for child, actor in [("Sanne", "lisa"), ("Noah", "peter")]:
        respite_services.stay_confirm(actor=coordinator, stay=ask(house, child, actor, 0, 2))
    respite_services.stay_wait(actor=coordinator, stay=ask(house, "Daan", "marieke", 0, 2))
    respite_services.stay_confirm(actor=coordinator, stay=ask(family_beds, "Daan", "marieke", 7, 2))
    respite_services.stay_confirm(actor=coordinator, stay=ask(house, "Noah", "peter", 10, 2))
    # For Peter to decide.
    ask(house, "Mees", "eva", 14, 2)
    ask(house, "Sanne", "marieke", 21, 2, with_parent=True)


# Sanne's own map (she is over 12 and makes it herself): (first name, relation, who, ring, trusted).
SANNE_NETWORK = [
    ("Karin", "neighbour", "buurvrouw, Karin Bos", 1, True),
    ("Oma Joke", "family", "oma van mama's kant", 1, True),
    ("Lotte", "friend", "beste vriendin", 1, True),
    ("Ruud", "sport", "hockeytrainer", 2, True),
    ("Yusuf", "school", "mentor op school", 2, True),
    ("Tim", "friend", "klasgenoot", 3, False),
]


def _network(people: dict[str, User], sanne: YoungPerson, noah: YoungPerson) -> None:
    """Sanne's network in three rings with Karin Bos (the demo mentor) as first choice and her grandmother second;
    Noah has nobody yet: the coordinator searched with him and asked for a buddy, who is waiting for matching."""

    if not sanne.network.exists():
        added = {
            first: networkperson_add(
                actor=people["sanne"],
                young_person=sanne,
                first_name=first,
                relation=relation,
                relation_description=who,
                closeness=ring,
                trusted=trusted,
            )
            for first, relation, who, ring, trusted in SANNE_NETWORK
        }
        mentorchoice_set(
            actor=people["sanne"], young_person=sanne, person_ids=[added["Karin"].pk, added["Oma Joke"].pk]
        )
    if not noah.network_searches.exists():
        networksearch_record(
            actor=people["peter"],
            young_person=noah,
            searched_on=timezone.localdate() - timedelta(days=5),
            with_whom="Noah en zijn vader",
            outcome="Noah kent niemand die nu mentor kan zijn.",
            ask_for_buddy=True,
        )


def _mentorships(people: dict[str, User], sanne: YoungPerson, mees: YoungPerson) -> None:
    """JIM mentorships in several steps, through the services so the demo passes the same checks as real use:
    Sanne first stopped the nomination of her grandmother (she would rather ask Karin), and now Karin Bos is her
    running JIM (VOG seen, Marieke's mandate with reservations, agreements everyone agreed to, the first check-in
    planned); Mees's uncle asked for a call and then said no, and his football coach is invited. Each young
    person's mentorships are made once. (Daan's and Noah's maps stay empty: their stories are a search of the
    network.)"""

    lisa, eva = people["lisa"], people["eva"]
    today = timezone.localdate()
    if not sanne.mentorships.exists() and sanne.mentor_choices.count() >= 2:
        grandmother = jim.mentorship_nominate(actor=lisa, young_person=sanne, choice=sanne.mentor_choices.get(rank=2))
        jim.mentorship_move(
            actor=people["sanne"],
            mentorship=grandmother,
            move="stop",
            reason="Ik wil liever eerst Karin vragen. Oma zie ik toch al elke week.",
        )
        karin = people["karin"]
        assert karin.email is not None  # every demo person has an address (email_for)
        mentorship = jim.mentorship_nominate(actor=lisa, young_person=sanne)
        _invitation, token = jim.mentorship_invite(
            actor=lisa, mentorship=mentorship, first_name="Karin", last_name="Bos", email=karin.email, by_email=True
        )
        jim.invitation_accept(token=token, first_name="Karin", last_name="Bos")
        jim.mentorship_move(actor=lisa, mentorship=mentorship, move="start_screening")
        jim.mentorship_screening_record(actor=lisa, mentorship=mentorship, vog_issued_on=today - timedelta(days=20))
        jim.mentorship_move(actor=lisa, mentorship=mentorship, move="screening_done")
        jim.mandate_give(actor=people["sanne"], mentorship=mentorship, decision="yes")
        jim.mandate_give(
            actor=people["marieke"],
            mentorship=mentorship,
            decision="reservations",
            reservations="Karin werkt veel. Ik hoop dat ze genoeg tijd heeft voor Sanne.",
        )
        version = jim.mentorship_agreement_propose(
            actor=lisa,
            mentorship=mentorship,
            sections={
                "pass_on_parents": "Karin vertelt Marieke alleen hoe het in grote lijnen gaat. Wat Sanne vertelt, "
                "blijft tussen Sanne en Karin.",
                "pass_on_professional": "Karin vertelt Lisa als ze zich zorgen maakt over school of thuis.",
                "meetings": "Eens per twee weken op woensdagmiddag, bij Karin thuis of samen een stuk wandelen.",
                "reach_professional": "Lisa Jansen: 071-5550199, op werkdagen van 9 tot 17 uur.",
            },
        )
        for person in ("sanne", "karin", "marieke", "lisa"):
            version = jim.mentorship_agreement_agree(actor=people[person], mentorship=mentorship, version=version)
        jim.mentorship_move(actor=lisa, mentorship=mentorship, move="activate")
        jim.rating_give(actor=people["sanne"], mentorship=mentorship, score=4, comment="Fijn om met Karin te praten.")
        jim.coachingnote_add(
            actor=lisa, mentorship=mentorship, text="Karin vraagt zich af hoeveel ze aan Marieke moet vertellen."
        )
    if not mees.mentorships.exists():
        _jim_choice(eva, mees, [("Oom Rik", "family", "oom"), ("Bas", "sport", "voetbaltrainer")])
        uncle = jim.mentorship_nominate(actor=eva, young_person=mees)
        _invitation, token = jim.mentorship_invite(
            actor=eva,
            mentorship=uncle,
            first_name="Rik",
            last_name="van Dijk",
            email=f"rik@{BACKGROUND_DOMAIN}",
            by_email=True,
        )
        jim.invitation_ask_call(token=token)
        jim.invitation_decline(token=token, reason="Ik werk in ploegendienst en kan er niet vaak genoeg zijn.")
        coach = jim.mentorship_nominate(actor=eva, young_person=mees, choice=mees.mentor_choices.get(rank=2))
        jim.mentorship_invite(
            actor=eva,
            mentorship=coach,
            first_name="Bas",
            last_name="Peters",
            email=f"bas.peters@{BACKGROUND_DOMAIN}",
            by_email=True,
        )


def _jim_choice(professional: User, child: YoungPerson, people: list[tuple[str, str, str]]) -> None:
    """People in a child's network, all trusted and close, chosen in this order (written down by the professional)."""

    added = [
        networkperson_add(
            actor=professional,
            young_person=child,
            first_name=first,
            relation=relation,
            relation_description=who,
            closeness=1,
            trusted=True,
        )
        for first, relation, who in people
    ]
    mentorchoice_set(actor=professional, young_person=child, person_ids=[person.pk for person in added])


# Three support families who joined the volunteer centre lately, screened and trained, with room for a family.
PROPOSAL_FAMILIES = [
    ("yara", "Yara", "Bouali", "Leiden", "tekenen, koken", 2012),
    ("bas", "Bas", "Hoekstra", "Oegstgeest", "voetbal, fietsen", 2015),
    ("lotte", "Lotte", "Smit", "Leiderdorp", "muziek, wandelen", 0),
]


def _proposals(centre: Organisation, local_team: Organisation, people: dict[str, User], leiden: Municipality) -> None:
    """Marieke's youngest, Bo (10), waits for a support family on Wednesday afternoons; the engine proposed three
    new support families and Peter showed them to the family, who have not chosen yet (Choosing together)."""

    coordinator = people["peter"]
    today = timezone.localdate()
    basic = Course.objects.get(organisation=centre, title="Basistraining steungezin")
    for local, first, last, place, interests, child_born in PROPOSAL_FAMILIES:
        volunteer = screened_volunteer(
            centre,
            coordinator,
            basic,
            VolunteerKind.SUPPORT_FAMILY,
            (local, first, last, place),
            leiden,
            interests=interests,
            languages=["nl"],
        )
        if volunteer is None:
            continue
        AvailabilitySlot.objects.create(volunteer=volunteer, weekday=2, day_part=DayPart.AFTERNOON)
        home = Household.objects.create(volunteer=volunteer)
        if child_born:
            HouseholdMember.objects.create(household=home, first_name="Sem", is_adult=False, birth_year=child_born)
        HomeVisit.objects.create(
            volunteer=volunteer, held_on=today - timedelta(days=30), outcome=Outcome.POSITIVE, recorded_by=coordinator
        )
    bo = _young_person("Bo", "de Vries", date(2016, 4, 21), leiden, "Leiden", ["nl"], None)
    Guardianship.objects.get_or_create(young_person=bo, guardian=people["marieke"], defaults={"has_custody": True})
    _consents(bo, recorded_by=None)
    case = _case(bo, local_team, people["lisa"], date(2026, 10, 20), threatened=False)
    if SupportRequest.objects.filter(case=case).exists():
        return
    request = supportrequest_create(
        actor=people["lisa"],
        case=case,
        organisation=centre,
        what_for="Een vaste plek op woensdagmiddag om te spelen en te tekenen, zodat moeder even rust heeft.",
        wants_weekday_afternoons=True,
        frequency=SupportRequest.Frequency.WEEKLY,
    )
    _backdate(request, days=21)
    proposal_round_suggest(actor=coordinator, support_request=request)
    proposal_round_show(actor=coordinator, support_request=request)


# Screened and trained buddies near Noah (Leiderdorp), so a coordinator can run a buddy round.
BUDDIES = [
    ("said", "Said", "Bennani", "Leiderdorp", "voetbal, gamen", ["nl", "ar"]),
    ("ilse", "Ilse", "Kok", "Leiden", "muziek, fietsen", ["nl"]),
    ("rob", "Rob", "Visser", "Oegstgeest", "klussen, wandelen", ["nl"]),
]


def _buddies(centre: Organisation, people: dict[str, User], noah: YoungPerson, leiden: Municipality) -> None:
    """Noah (17) has nobody in his network and waits for a buddy: three matchable buddies of the volunteer centre
    live near him, so Peter can look for buddies, show three to Noah and start a buddy (Choosing together)."""
    coordinator = people["peter"]
    today = timezone.localdate()
    basic = Course.objects.get(organisation=centre, title="Basistraining maatje")
    for local, first, last, place, interests, languages in BUDDIES:
        screened_volunteer(
            centre,
            coordinator,
            basic,
            VolunteerKind.BUDDY,
            (local, first, last, place),
            leiden,
            interests=interests,
            languages=languages,
            preferred_age_min=12,
            preferred_age_max=23,
        )
    if not BuddyRequest.objects.filter(young_person=noah).exists():
        networksearch_record(
            actor=coordinator,
            young_person=noah,
            searched_on=today - timedelta(days=5),
            with_whom="Noah en zijn vader",
            outcome="Noah kent niemand die nu mentor kan zijn.",
            ask_for_buddy=True,
        )


def _conversations(people: dict[str, User], sanne: YoungPerson) -> None:
    """A few made-up messages in the chat of Sanne, Karin and Lisa (the conversation started with the mentorship)."""
    conversation = Conversation.objects.filter(
        case__young_person=sanne, kind=Conversation.Kind.TRIAD, closed_at__isnull=True
    ).first()
    lines = [
        ("lisa", "Welkom in jullie gesprek! Hier kunnen Sanne, Karin en ik elkaar een bericht sturen."),
        ("karin", "Hoi Sanne! Zullen we woensdag om half vier gaan wandelen in de Hout?"),
        ("sanne", "Ja leuk! Ik neem de hond mee."),
        ("karin", "Top. Ik neem wat te drinken mee. Tot woensdag!"),
        ("lisa", "Fijn om te lezen. Ik hoor graag hoe het was."),
    ]
    demo_messages(conversation, people, lines, prefix="demo")


# ---------------------------------------------------------------------------------------------------------------
# A made-up history for the figures about groups (insights)

# The demo world above is a handful of people, so the analyst (Femke, Holland Rijnland) would see "< 5" nearly
# everywhere. This adds two years of clearly synthetic young people, requests, matches and volunteers in the
# region, in an organisation of its own whose only staff member is no demo login: the other demo people's pages
# (case lists, waiting lists, candidates for matching) stay exactly as they were. Made with bulk_create (about
# half a second on SQLite), with a fixed seed, and only when the organisation has no cases yet.
HISTORY_ORGANISATION = "Voorbeeldgeschiedenis Holland Rijnland (demo)"
HISTORY_STAFF = f"geschiedenis@{BACKGROUND_DOMAIN}"
HISTORY_SEED, HISTORY_PEOPLE, HISTORY_VOLUNTEERS, HISTORY_DAYS = 20_261_125, 420, 90, 730
HISTORY_BROKERS = 90  # requests for a social broker, for cases that may have other support too
# Where the young people live (relative weights): the larger municipalities get more, a few small ones little.
HISTORY_PLACES = {
    "Leiden": 30,
    "Alphen aan den Rijn": 18,
    "Katwijk": 12,
    "Leiderdorp": 8,
    "Noordwijk": 6,
    "Oegstgeest": 6,
    "Teylingen": 5,
    "Lisse": 4,
    "Voorschoten": 4,
    "Nieuwkoop": 3,
    "Kaag en Braassem": 2,
    "Hillegom": 1,
    "Zoeterwoude": 1,
}

HISTORY_TOWNS = {"Teylingen": "Sassenheim", "Kaag en Braassem": "Roelofarendsveen"}


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 11, tzinfo=UTC)


def _bulk_create_dated(model: Any, objects: list[Any], field: str) -> None:
    """bulk_create, keeping the made-up dates in `field`: bulk_create stamps auto_now_add fields with now (on the
    objects too), so the dates are put back and written with one bulk_update."""
    dates = [getattr(obj, field) for obj in objects]
    model.objects.bulk_create(objects)
    for obj, value in zip(objects, dates, strict=True):
        setattr(obj, field, value)
    model.objects.bulk_update(objects, [field])


def _history(municipalities: dict[str, Municipality]) -> bool:
    """Two years of made-up history for the figures about groups; returns whether it was made now (False when it
    was there already). Names say "voorbeeld" (example); no BSN, no contact details."""
    organisation, _created = Organisation.objects.get_or_create(
        name=HISTORY_ORGANISATION, defaults={"kind": Organisation.Kind.LOCAL_TEAM, "team_label": "voorbeeld"}
    )
    if Case.objects.filter(organisation=organisation).exists():
        return False

    organisation.municipalities.set([municipalities[name] for name in HISTORY_PLACES])
    rng = random.Random(HISTORY_SEED)  # noqa: S311 - made-up data, reproducible on purpose
    today = timezone.localdate()
    start = today - timedelta(days=HISTORY_DAYS)
    places = rng.choices(list(HISTORY_PLACES), weights=list(HISTORY_PLACES.values()), k=HISTORY_PEOPLE)
    # A place in each municipality (Teylingen and Kaag en Braassem are no place names themselves).
    found = {name: geocode(HISTORY_TOWNS.get(name, name)) for name in HISTORY_PLACES}
    # No password: this account cannot log in; it only stands in as who nominated or asked.
    staff, _created = User.objects.get_or_create(
        email=HISTORY_STAFF,
        defaults={"first_name": "Voorbeeld", "last_name": "Geschiedenis", "password": make_password(None)},
    )

    def later(first: date, mean_days: float) -> date:
        return first + timedelta(days=int(rng.expovariate(1 / mean_days)) + 1)

    opened = [start + timedelta(days=rng.randrange(HISTORY_DAYS)) for _i in range(HISTORY_PEOPLE)]
    people = YoungPerson.objects.bulk_create(
        YoungPerson(
            first_name="Voorbeeld",
            last_name=f"Jongere {i + 1:03d}",
            date_of_birth=today - timedelta(days=rng.randrange(365 * 2, 365 * 22)),
            residence_municipality=municipalities[place],
            # One in ten is paid for by another municipality of the region (woonplaatsbeginsel).
            paying_municipality=municipalities[rng.choice(list(HISTORY_PLACES)) if rng.random() < 0.1 else place],
            home_place=found[place].name,
            latitude=found[place].latitude,
            longitude=found[place].longitude,
        )
        for i, place in enumerate(places)
    )
    cases = Case.objects.bulk_create(
        Case(young_person=person, organisation=organisation, opened_on=opened[i]) for i, person in enumerate(people)
    )
    order = list(range(HISTORY_PEOPLE))
    rng.shuffle(order)
    jim, family, respite, buddy = order[:150], order[150:270], order[270:350], order[350:]

    mentorships = []
    for i in jim:
        started = later(opened[i], 35)
        running = started <= today
        ended = later(started, 300)
        done = running and ended <= today
        mentorship = Mentorship(
            young_person=people[i],
            case=cases[i],
            nominee_name="Voorbeeldmentor",
            nominated_by=staff,
            state=(
                (MentorState.COMPLETED if rng.random() < 0.75 else MentorState.STOPPED)
                if done
                else (MentorState.ACTIVE if running else MentorState.TALK)
            ),
            started_on=started if running else None,
            ended_on=ended if done else None,
            placement_averted=rng.choice(["yes", "yes", "no", "not_applicable"]) if done else "",
            goals_young_person=rng.choice(["yes", "yes", "partly", "no"]) if done else "",
            goals_parents=rng.choice(["yes", "partly", "partly", "no"]) if done else "",
            satisfaction=rng.choice([3, 4, 4, 5, 5]) if done else None,
        )
        mentorship.created_at = _noon(opened[i])
        mentorships.append(mentorship)
    _bulk_create_dated(Mentorship, mentorships, "created_at")

    volunteers = _history_volunteers(organisation, municipalities, found, staff, rng, start, today)
    requests, matches = [], []
    for n, i in enumerate(family):
        started = later(opened[i], 50)
        matched = started <= today and rng.random() < 0.85
        request = SupportRequest(
            case=cases[i],
            organisation=organisation,
            what_for="Voorbeeld: rust in het gezin",
            home_place=people[i].home_place,
            status=SupportRequest.Status.MATCHED if matched else SupportRequest.Status.WAITING,
        )
        request.created_at = _noon(opened[i])
        requests.append(request)
        if matched:
            ended = later(started, 400)
            done = ended <= today
            match = SupportFamilyMatch(
                request=request,
                volunteer=volunteers[n % len(volunteers)],
                state=("ended" if rng.random() < 0.7 else "stopped") if done else "active",
                started_on=started,
                ended_on=ended if done else None,
                outcome=rng.choice(["reached", "reached", "partly", "not_reached"]) if done else "",
            )
            match.created_at = _noon(started)
            matches.append(match)
    _bulk_create_dated(SupportRequest, requests, "created_at")
    for match in matches:
        match.request_id = match.request.pk
    _bulk_create_dated(SupportFamilyMatch, matches, "created_at")

    # Closed for bookings: nobody coordinates this made-up house, so no demo login could book it or decide.
    option = RespiteOption.objects.create(
        kind=RespiteOption.Kind.STAY_HOUSE,
        name="Voorbeeld-logeerhuis",
        organisation=organisation,
        beds_per_night=3,
        active=False,
    )
    RespiteOption.objects.filter(pk=option.pk).update(created_at=_noon(start))
    stays, beds_taken = [], Counter[date]()
    for i in respite:
        arrival = min(opened[i] + timedelta(days=rng.randrange(10, 60)), today + timedelta(days=20))
        stay = Stay(
            option=option,
            case=cases[i],
            arrival=arrival,
            departure=arrival + timedelta(days=rng.randrange(1, 5)),
            status=rng.choice([Stay.Status.CONFIRMED] * 4 + [Stay.Status.CANCELLED]),
            requested_by=staff,
        )
        # As stay_confirm would: a stay that finds a night full is refused, so no night holds more than the beds.
        if stay.status == Stay.Status.CONFIRMED:
            if any(beds_taken[night] >= option.beds_per_night for night in stay.nights):
                stay.status, stay.refusal_reason = Stay.Status.REFUSED, "Voorbeeld: geen bed vrij"
            else:
                beds_taken.update(stay.nights)
        stay.created_at = _noon(arrival - timedelta(days=rng.randrange(3, 30)))
        stays.append(stay)
    _bulk_create_dated(Stay, stays, "created_at")

    searches = NetworkSearch.objects.bulk_create(
        NetworkSearch(
            young_person=people[i],
            searched_on=opened[i],
            with_whom="Voorbeeld",
            outcome="Voorbeeld: niemand gevonden",
            recorded_by=staff,
        )
        for i in buddy
    )
    buddies = []
    for search, i in zip(searches, buddy, strict=True):
        changed = later(opened[i], 45)
        matched = changed <= today and rng.random() < 0.65
        buddy_request = BuddyRequest(
            young_person=people[i],
            case=cases[i],
            search=search,
            requested_by=staff,
            status=BuddyRequest.Status.MATCHED if matched else BuddyRequest.Status.WAITING,
            status_changed_at=_noon(changed) if matched else None,
        )
        buddy_request.requested_at = _noon(opened[i])
        buddies.append(buddy_request)
    _bulk_create_dated(BuddyRequest, buddies, "requested_at")
    _history_brokers(cases, opened, volunteers, staff, rng, today)
    return True


def _history_brokers(
    cases: list[Case], opened: list[date], volunteers: list[Volunteer], staff: User, rng: random.Random, today: date
) -> None:
    """Made-up requests for a social broker, for some of the history's cases (besides their other support): most
    get a broker, many of those end (mostly done), and some end without one. Dates only; one request per case."""

    reason = BrokerRequest.EndReason
    endings = [reason.DONE] * 5 + [reason.FAMILY_STOPPED] * 2 + [reason.NOT_NEEDED, reason.CASE_CLOSED]
    requests = []
    for n, i in enumerate(rng.sample(range(len(cases)), HISTORY_BROKERS)):
        asked = min(opened[i] + timedelta(days=rng.randrange(0, 30)), today)
        linked = asked + timedelta(days=int(rng.expovariate(1 / 30)) + 1)
        is_linked = linked <= today and rng.random() < 0.8
        ended = (linked if is_linked else asked) + timedelta(days=int(rng.expovariate(1 / 200)) + 1)
        done = ended <= today and (is_linked or rng.random() < 0.5)
        requests.append(
            BrokerRequest(
                case=cases[i],
                asked_by=staff,
                purpose="Voorbeeld: een club of groep in de buurt",
                broker=volunteers[n % len(volunteers)] if is_linked else None,
                asked_on=asked,
                linked_on=linked if is_linked else None,
                ended_on=ended if done else None,
                end_reason=(rng.choice(endings) if is_linked else rng.choice([reason.NO_BROKER, reason.NOT_NEEDED]))
                if done
                else "",
            )
        )
    BrokerRequest.objects.bulk_create(requests)


def _history_volunteers(
    organisation: Organisation,
    municipalities: dict[str, Municipality],
    found: dict[str, Any],
    staff: User,
    rng: random.Random,
    start: date,
    today: date,
) -> list[Volunteer]:
    """Made-up volunteers in every stage (registered, screened, trained, paused, stopped), without a password."""
    users = User.objects.bulk_create(
        User(
            email=f"vrijwilliger-{i + 1:03d}@{BACKGROUND_DOMAIN}",
            first_name="Voorbeeld",
            last_name=f"Vrijwilliger {i + 1:03d}",
            password=make_password(None),
        )
        for i in range(HISTORY_VOLUNTEERS)
    )
    places = rng.choices(list(HISTORY_PLACES), weights=list(HISTORY_PLACES.values()), k=HISTORY_VOLUNTEERS)
    volunteers = []
    for user, place in zip(users, places, strict=True):
        ages = rng.choice([(0, 11), (4, 15), (6, 17), (12, 23), (0, 17)])
        volunteer = Volunteer(
            user=user,
            organisation=organisation,
            home_place=found[place].name,
            municipality=municipalities[place],
            latitude=found[place].latitude,
            longitude=found[place].longitude,
            travel_radius_km=10,
            capacity=1,
            preferred_age_min=ages[0],
            preferred_age_max=ages[1],
            status=rng.choice([Volunteer.Status.ACTIVE] * 6 + [Volunteer.Status.PAUSED, Volunteer.Status.STOPPED]),
        )
        volunteer.registered_at = _noon(start + timedelta(days=rng.randrange(HISTORY_DAYS - 30)))
        volunteers.append(volunteer)
    _bulk_create_dated(Volunteer, volunteers, "registered_at")
    course, _created = Course.objects.get_or_create(
        organisation=organisation,
        title="Voorbeeld-basistraining",
        defaults={"kind": Course.Kind.BASIC, "for_kind": VolunteerKind.SUPPORT_FAMILY},
    )
    intakes, vogs, completions = [], [], []
    for volunteer in volunteers:
        registered = volunteer.registered_at.date()
        if rng.random() < 0.85:
            intakes.append(
                Intake(
                    volunteer=volunteer,
                    held_on=registered + timedelta(days=14),
                    outcome=Outcome.POSITIVE,
                    recorded_by=staff,
                )
            )
            if rng.random() < 0.85:
                issued = min(registered + timedelta(days=30), today)
                vogs.append(
                    VogCheck(
                        volunteer=volunteer,
                        requested_on=issued - timedelta(days=14),
                        received_on=issued,
                        issued_on=issued,
                        screening_profile="Minderjarigen",
                        checked_by=staff,
                        valid_until=issued + timedelta(days=3 * 365),
                    )
                )
                if rng.random() < 0.8:
                    done = min(registered + timedelta(days=50), today)
                    completions.append(CourseCompletion(volunteer=volunteer, course=course, completed_on=done))
    Intake.objects.bulk_create(intakes)
    VogCheck.objects.bulk_create(vogs)
    CourseCompletion.objects.bulk_create(completions)
    return volunteers


def _insights(*, made_history: bool) -> None:
    """Make the roll-up of counts when the history is new (or there is none) and queue its nightly refresh, so
    the figures show at once and stay fresh. Loading again adds nothing (no second run, no second task)."""

    if made_history or tally_as_of() is None:
        tally_refresh()
    tally_refresh_schedule()
