"""A made-up sociale kaart for the demo municipalities: clubs, groups and help points around Leiden and in
Utrecht, with fake phone numbers and example.org addresses. A few were last checked more than a year ago, so the
review flag shows. Idempotent: entries that exist (by name and organisation) are left alone. Also a social broker
of the Leiden team with two group activities that Daan's family takes part in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Municipality, Organisation, User
from community.activities import services as activity_services
from community.brokers import services
from community.brokers.services import brokerrequest_ask, brokerrequest_link
from community.models import BrokerRequest, Category, Cost, GroupActivity, Referral, Resource, ResourceTheme, Theme
from community.selectors import search_text_for
from core.geo import geocode
from demo.people import BACKGROUND_DOMAIN, demo_messages, screened_volunteer
from messaging.models import Conversation
from volunteers.models import Volunteer, VolunteerKind
from youth.models import Case

LEIDEN_TEAM = "Jeugd- en Gezinsteam Leiden (demo)"
CENTRE = "Vrijwilligerscentrum Rijnland (demo)"
UTRECHT_TEAM = "Buurtteam Utrecht Oost (demo)"

# (name, category, description, ages, themes, address, place, opening times, cost, cost note, phone, email,
#  website, keeper, checked days ago)
Entry = tuple[str, str, str, tuple[int, int], list[str], str, str, str, str, str, str, str, str, str, int]
ENTRIES: list[Entry] = [
    (
        "Voetbalvereniging Lugdunum",
        Category.SPORTS_CLUB,
        "Voetbal voor jongens en meiden. Er is een G-team voor kinderen met autisme of een beperking, met vaste "
        "trainers en een rustige kleedkamer.",
        (6, 18),
        [Theme.AUTISM, Theme.DISABILITY],
        "Sportpark Kikkerpolder",
        "Leiden",
        "Woensdag 16:00-17:30, zaterdag 9:00-12:00",
        Cost.PAID,
        "€ 15 per maand; met de Leidse Pas gratis",
        "071-5550101",
        "jeugd@vv-lugdunum.example.org",
        "https://vv-lugdunum.example.org",
        LEIDEN_TEAM,
        40,
    ),
    (
        "Oudergroep Kinderen en Scheiden",
        Category.SELF_HELP,
        "Ouders die uit elkaar gaan praten met elkaar over hoe het met de kinderen gaat. Ook voor ouders in een "
        "vechtscheiding. Acht avonden met twee begeleiders.",
        (0, 18),
        [Theme.DIVORCE, Theme.PARENTING],
        "Wijkcentrum De Kooi, Kooilaan 10",
        "Leiden",
        "Dinsdag 19:30-21:30, om de week",
        Cost.FREE,
        "",
        "071-5550102",
        "oudergroep@scheiden.example.org",
        "",
        LEIDEN_TEAM,
        120,
    ),
    (
        "Huiswerkklas in de Bibliotheek",
        Category.HOMEWORK_HELP,
        "Vrijwilligers helpen met huiswerk, plannen en leren voor toetsen. Voor leerlingen van groep 7 tot de derde "
        "klas. Laptops zijn er.",
        (10, 15),
        [Theme.SCHOOL, Theme.LANGUAGE],
        "Bibliotheek Nieuwstraat",
        "Leiden",
        "Maandag en donderdag 15:30-17:30",
        Cost.FREE,
        "",
        "071-5550103",
        "huiswerk@bieb.example.org",
        "https://bieb.example.org/huiswerk",
        CENTRE,
        30,
    ),
    (
        "Schuldhulp Steunpunt Leiden",
        Category.DEBT_HELP,
        "Hulp bij rekeningen, brieven en schulden. Geheim en gratis. Je kunt zonder afspraak binnenlopen.",
        (18, 99),
        [Theme.DEBT],
        "Stadhuisplein 1",
        "Leiden",
        "Dinsdag en vrijdag 9:00-12:00",
        Cost.FREE,
        "",
        "071-5550104",
        "steunpunt@geldzorgen.example.org",
        "",
        LEIDEN_TEAM,
        400,
    ),
    (
        "Jongerencentrum De Schakel",
        Category.YOUTH_WORK,
        "Inloop voor jongeren: chillen, gamen, koken en praten met een jongerenwerker. Elke maand een uitje.",
        (12, 23),
        [Theme.LONELINESS],
        "Schakelstraat 4",
        "Leiderdorp",
        "Woensdag tot vrijdag 14:00-21:00",
        Cost.FREE,
        "",
        "071-5550105",
        "",
        "https://deschakel.example.org",
        CENTRE,
        60,
    ),
    (
        "Muziekschool Open Podium",
        Category.CULTURE,
        "Les op gitaar, drums of keyboard in kleine groepjes. Je mag eerst drie keer gratis proberen.",
        (8, 18),
        [],
        "Breestraat 60",
        "Leiden",
        "Na schooltijd, in overleg",
        Cost.SMALL,
        "€ 5 per les; korting mogelijk",
        "071-5550106",
        "info@openpodium.example.org",
        "",
        CENTRE,
        200,
    ),
    (
        "Buurtmoeders Leiden Noord",
        Category.CITIZENS_INITIATIVE,
        "Moeders uit de wijk die andere ouders helpen: koffie, uitleg over school en zorg, en de weg vinden in de "
        "buurt. Ook in het Arabisch en Turks.",
        (0, 18),
        [Theme.PARENTING, Theme.LANGUAGE, Theme.LONELINESS],
        "Buurthuis Noord",
        "Leiden",
        "Donderdag 9:30-11:30",
        Cost.FREE,
        "",
        "06-55501107",
        "",
        "",
        LEIDEN_TEAM,
        500,
    ),
    (
        "Autisme Ontmoetingsgroep Rijnland",
        Category.SELF_HELP,
        "Ouders van kinderen met autisme delen tips en ervaringen. Eén keer per maand, met een ervaringsdeskundige.",
        (2, 23),
        [Theme.AUTISM, Theme.PARENTING],
        "",
        "Oegstgeest",
        "Eerste maandag van de maand 20:00",
        Cost.FREE,
        "",
        "",
        "groep@autisme-rijnland.example.org",
        "",
        CENTRE,
        90,
    ),
    (
        "Zwemclub De Spetters",
        Category.SPORTS_CLUB,
        "Zwemles en zwemmen voor kinderen die al een diploma hebben. Kleine groepen, ook voor kinderen met ADHD.",
        (5, 14),
        [Theme.ADHD, Theme.HEALTH],
        "Zwembad De Vliet",
        "Leiden",
        "Vrijdag 17:00-18:00",
        Cost.PAID,
        "€ 12 per maand",
        "071-5550108",
        "",
        "https://spetters.example.org",
        CENTRE,
        20,
    ),
    (
        "Taalcafé Katwijk",
        Category.CITIZENS_INITIATIVE,
        "Nederlands oefenen met vrijwilligers, voor ouders en jongeren. Gezellig en zonder toets.",
        (12, 99),
        [Theme.LANGUAGE, Theme.LONELINESS],
        "Bibliotheek Katwijk",
        "Katwijk",
        "Zaterdag 10:00-12:00",
        Cost.FREE,
        "",
        "071-5550109",
        "taalcafe@katwijk.example.org",
        "",
        CENTRE,
        10,
    ),
    (
        "Rouwgroep Kinderen",
        Category.SELF_HELP,
        "Een groep voor kinderen van wie een ouder, broer of zus is overleden. Samen praten, tekenen en herinneren.",
        (7, 12),
        [Theme.GRIEF],
        "",
        "Leiden",
        "Zes woensdagmiddagen per jaar",
        Cost.FREE,
        "",
        "071-5550110",
        "",
        "",
        LEIDEN_TEAM,
        700,
    ),
    (
        "Sportmaatjes Leiderdorp",
        Category.SPORTS_CLUB,
        "Een vrijwilliger gaat een paar maanden mee naar een sportclub naar keuze, tot je er je plek hebt.",
        (8, 18),
        [Theme.LONELINESS, Theme.AUTISM],
        "",
        "Leiderdorp",
        "In overleg",
        Cost.FREE,
        "",
        "",
        "sportmaatjes@leiderdorp.example.org",
        "",
        CENTRE,
        45,
    ),
    (
        "Scouting Rijnsburg",
        Category.YOUTH_WORK,
        "Buiten spelen, kamperen en samenwerken. Elke zaterdag, en in de zomer een kamp.",
        (7, 17),
        [],
        "Clubhuis aan de Vliet",
        "Katwijk",
        "Zaterdag 14:00-16:30",
        Cost.SMALL,
        "€ 90 per jaar",
        "071-5550111",
        "",
        "https://scouting-rijnsburg.example.org",
        CENTRE,
        150,
    ),
    (
        "Geldfit Jongeren",
        Category.DEBT_HELP,
        "Leren omgaan met geld: je eerste bankrekening, toeslagen, een baan en niet in de schulden komen.",
        (16, 23),
        [Theme.DEBT, Theme.SCHOOL],
        "",
        "Leiden",
        "Online en op afspraak",
        Cost.FREE,
        "",
        "",
        "jongeren@geldfit.example.org",
        "https://geldfit.example.org",
        LEIDEN_TEAM,
        380,
    ),
    (
        "Theaterwerkplaats Alphen",
        Category.CULTURE,
        "Toneel spelen met andere jongeren. Aan het eind van het seizoen een voorstelling.",
        (10, 18),
        [],
        "Theater Castellum",
        "Alphen aan den Rijn",
        "Dinsdag 18:30-20:00",
        Cost.SMALL,
        "€ 50 per seizoen",
        "0172-555012",
        "",
        "https://theaterwerkplaats.example.org",
        CENTRE,
        75,
    ),
    (
        "Opvoedsteunpunt Utrecht Oost",
        Category.OTHER,
        "Vragen over opvoeden? Bel of loop binnen bij een pedagoog. Ook over slapen, eten en schermtijd.",
        (0, 18),
        [Theme.PARENTING, Theme.HEALTH],
        "Wijkbureau Oost",
        "Utrecht",
        "Maandag tot donderdag 9:00-12:00",
        Cost.FREE,
        "",
        "030-5550113",
        "opvoeden@utrecht-oost.example.org",
        "",
        UTRECHT_TEAM,
        25,
    ),
    (
        "Huiswerkhulp Oost",
        Category.HOMEWORK_HELP,
        "Studenten helpen leerlingen van de middelbare school met huiswerk en plannen.",
        (12, 18),
        [Theme.SCHOOL],
        "Buurthuis De Jeugd",
        "Utrecht",
        "Dinsdag en donderdag 16:00-18:00",
        Cost.FREE,
        "",
        "030-5550114",
        "",
        "",
        UTRECHT_TEAM,
        410,
    ),
    (
        "Voetbal op het Plein",
        Category.SPORTS_CLUB,
        "Elke week voetbal op het Cruyff Court, zonder lid te worden. Een jongerenwerker is erbij.",
        (8, 16),
        [Theme.LONELINESS],
        "Cruyff Court Oost",
        "Utrecht",
        "Woensdag 15:00-17:00",
        Cost.FREE,
        "",
        "",
        "plein@utrecht-oost.example.org",
        "",
        UTRECHT_TEAM,
        15,
    ),
    (
        "Lotgenotengroep Jonge Mantelzorgers",
        Category.SELF_HELP,
        "Voor jongeren die thuis zorgen voor een ouder, broer of zus. Even niet zorgen, wel begrepen worden.",
        (12, 23),
        [Theme.HEALTH, Theme.LONELINESS],
        "",
        "Leiden",
        "Eens per maand op vrijdagavond",
        Cost.FREE,
        "",
        "071-5550115",
        "",
        "https://jongemantelzorg.example.org",
        LEIDEN_TEAM,
        100,
    ),
    (
        "Repair Café en Kinderknutsel",
        Category.CITIZENS_INITIATIVE,
        "Buren repareren samen spullen; kinderen knutselen ondertussen met vrijwilligers.",
        (4, 12),
        [],
        "Wijkcentrum Zuid",
        "Zoeterwoude",
        "Laatste zaterdag van de maand 10:00-13:00",
        Cost.FREE,
        "",
        "",
        "repair@zoeterwoude.example.org",
        "",
        CENTRE,
        35,
    ),
]
KEEPERS = {LEIDEN_TEAM: "peter", CENTRE: "ahmed", UTRECHT_TEAM: "eva"}


@transaction.atomic
def community_demo_load(email_for: Callable[[str], str]) -> None:
    """Make the demo directory. `email_for` gives a keeper's email address from their demo login ("peter")."""
    organisations = {o.name: o for o in Organisation.objects.filter(name__in=KEEPERS)}
    keepers = {name: User.objects.filter(email=email_for(local)).first() for name, local in KEEPERS.items()}
    municipalities = {m.name: m for m in Municipality.objects.all()}
    have = set(Resource.objects.filter(organisation__in=organisations.values()).values_list("name", "organisation"))
    today = timezone.localdate()
    new: list[Resource] = []
    themes: dict[str, list[str]] = {}
    for name, category, description, (
        low,
        high,
    ), entry_themes, address, place, times, cost, cost_note, phone, email, website, keeper, days_ago in ENTRIES:
        organisation = organisations.get(keeper)
        if organisation is None or (name, organisation.pk) in have:
            continue
        found = geocode(place)
        new.append(
            Resource(
                name=name,
                category=category,
                description=description,
                age_min=low,
                age_max=high,
                address=address,
                place=found.name,
                municipality=municipalities.get(place) or municipalities["Leiden"],
                latitude=found.latitude,
                longitude=found.longitude,
                opening_times=times,
                cost=cost,
                cost_note=cost_note,
                phone=phone,
                email=email,
                website=website,
                organisation=organisation,
                checked_on=today - timedelta(days=days_ago),
                checked_by=keepers[keeper],
                search_text=search_text_for(name, description),
            )
        )
        themes[name] = entry_themes
    created = Resource.objects.bulk_create(new)
    ResourceTheme.objects.bulk_create(
        [ResourceTheme(resource=r, theme=theme) for r in created for theme in themes[r.name]]
    )
    _activities(email_for)


def broker_demo_load(email_for: Callable[[str], str]) -> None:
    """Broker requests through the services: Sanne's family has Ahmed as social broker, with referrals in several
    states (one followed up twice, one followed up once, one the family still thinks about, one they did not want);
    Noah waits for a broker. Daan's family has none yet (the browser test asks). Made once; dates relative to today."""

    people = {
        local: User.objects.get(email=email_for(local)) for local in ("lisa", "peter", "ahmed", "marieke", "sanne")
    }
    cases = {
        case.young_person.first_name: case
        for case in Case.objects.select_related("young_person").filter(
            young_person__first_name__in=["Sanne", "Noah"], closed_on__isnull=True, organisation__name=LEIDEN_TEAM
        )
    }
    if BrokerRequest.objects.filter(case__in=cases.values()).exists():
        return
    today = timezone.localdate()
    sanne = services.brokerrequest_ask(
        user=people["lisa"],
        case=cases["Sanne"],
        purpose="Sanne wil graag sporten en andere jongeren leren kennen. Moeder zoekt andere ouders om mee te praten.",
    )
    sanne = services.brokerrequest_link(
        user=people["peter"], request=sanne, broker=Volunteer.objects.get(user=people["ahmed"])
    )
    BrokerRequest.objects.filter(pk=sanne.pk).update(
        asked_on=today - timedelta(days=130), linked_on=today - timedelta(days=120)
    )
    resources = {r.name: r for r in Resource.objects.filter(organisation__name__in=[LEIDEN_TEAM, CENTRE])}
    ahmed = people["ahmed"]

    def referral(name: str, *, parent: bool, moves: list[tuple[str, dict[str, object]]], days_ago: int) -> None:
        made = services.referral_record(
            user=ahmed,
            request=sanne,
            resource=resources[name],
            for_whom="parent" if parent else "young_person",
            parent=people["marieke"] if parent else None,
        )
        for move, extra in moves:
            made = services.referral_move(user=ahmed, referral=made, move=move, **extra)  # type: ignore[arg-type]
        # The follow-ups are stamped with today; move them back to when they would have been made.
        Referral.objects.filter(pk=made.pk).update(
            created_on=today - timedelta(days=days_ago),
            week4_on=today - timedelta(days=days_ago - 35) if made.week4 else None,
            month3_on=today - timedelta(days=days_ago - 100) if made.month3 else None,
        )

    agreed: list[tuple[str, dict[str, object]]] = [
        ("agree", {"on": today - timedelta(days=112)}),
        ("contact", {"on": today - timedelta(days=110)}),
        ("follow_up_4_weeks", {"answer": "yes"}),
    ]
    referral(
        "Voetbalvereniging Lugdunum",
        parent=False,
        moves=[*agreed, ("follow_up_3_months", {"answer": "yes"})],
        days_ago=115,
    )
    referral("Oudergroep Kinderen en Scheiden", parent=True, moves=agreed, days_ago=114)
    referral("Huiswerkklas in de Bibliotheek", parent=False, moves=[], days_ago=10)
    referral(
        "Schuldhulp Steunpunt Leiden",
        parent=True,
        moves=[("decline", {"reason": "Marieke krijgt al hulp van de gemeente."})],
        days_ago=100,
    )
    _broker_conversation(sanne, people)
    noah = services.brokerrequest_ask(
        user=people["peter"], case=cases["Noah"], purpose="Noah zoekt een plek om na school naartoe te gaan."
    )
    BrokerRequest.objects.filter(pk=noah.pk).update(asked_on=today - timedelta(days=9))


# A social broker of the Leiden team (no one-click login) organises two group activities; Daan's family has a
# request for a broker with her linked, and takes part in both (signed up by his mother and by Lisa).
BROKER = ("gerda", "Gerda", "de Wit")
# (title, description, place, days from today, start, end, places, ages, signed up by)
Activity = tuple[str, str, str, int, time, time, int, tuple[int | None, int | None], str]
ACTIVITIES: list[Activity] = [
    (
        "Oudergroep Leiden",
        "Ouders praten met elkaar over opvoeden en over wat thuis moeilijk is. Met koffie en thee. Je hoeft niets "
        "voor te bereiden.",
        "Wijkcentrum De Kooi, Leiden",
        9,
        time(19, 30),
        time(21, 0),
        10,
        (None, None),
        "marieke",
    ),
    (
        "Voorleesclub",
        "Samen luisteren naar een verhaal en daarna samen tekenen of een spel doen. Voor kinderen van 6 tot 10 jaar.",
        "Bibliotheek Nieuwstraat, Leiden",
        4,
        time(15, 30),
        time(16, 30),
        8,
        (6, 10),
        "lisa",
    ),
]


def _broker_conversation(request: BrokerRequest, people: dict[str, User]) -> None:
    """A few made-up messages in the conversation of Sanne's family with Ahmed (it started when he was linked)."""

    lines = [
        ("ahmed", "Hallo Marieke en Sanne! Ik ben Ahmed, jullie sociaal makelaar. Hier kunnen we afspraken maken."),
        ("marieke", "Hoi Ahmed, fijn. Sanne wil graag voetballen. En ik zoek andere ouders om mee te praten."),
        ("sanne", "Het liefst op zaterdag, dan heb ik geen school."),
        ("ahmed", "Goed idee. Ik bel deze week met de voetbalclub en met de oudergroep."),
    ]
    conversation = Conversation.objects.filter(broker_request=request, closed_at__isnull=True).first()
    demo_messages(conversation, people, lines, prefix="demo-broker")


def _demo_broker(team: Organisation, coordinator: User) -> Volunteer:
    """Gerda, a screened social broker of the Leiden team (intake, two references and a VOG)."""

    local, first, last = BROKER
    made = screened_volunteer(
        team,
        coordinator,
        None,
        VolunteerKind.SOCIAL_BROKER,
        (local, first, last, "Leiden"),
        Municipality.objects.get(name="Leiden"),
        capacity=5,
        interests="lezen, koken",
        languages=["nl"],
    )
    return made or Volunteer.objects.get(user__email=f"{local}@{BACKGROUND_DOMAIN}")


def _activities(email_for: Callable[[str], str]) -> None:
    """Through the services, so the demo keeps the same rules as the pages. Idempotent: the broker, the request
    and each activity (by title and organisation) are made once; sign-ups only with a new activity."""

    team = Organisation.objects.filter(name=LEIDEN_TEAM).first()
    people = {local: User.objects.filter(email=email_for(local)).first() for local in ("peter", "lisa", "marieke")}
    case = Case.objects.filter(organisation=team, young_person__first_name="Daan", closed_on__isnull=True).first()
    if team is None or case is None or None in people.values():
        return
    coordinator, professional = people["peter"], people["lisa"]
    assert coordinator is not None and professional is not None
    broker = _demo_broker(team, coordinator)
    if not BrokerRequest.objects.filter(case=case).exists():
        request = brokerrequest_ask(
            user=professional, case=case, purpose="Contact met andere ouders, en iets leuks voor Daan na school."
        )
        brokerrequest_link(user=coordinator, request=request, broker=broker)
    today = timezone.localdate()
    for title, description, place, days, start, end, places, (low, high), by in ACTIVITIES:
        if GroupActivity.objects.filter(organisation=team, title=title).exists():
            continue
        day = today + timedelta(days=days)
        activity = activity_services.groupactivity_create(
            actor=broker.user,
            organisation=team,
            data={
                "title": title,
                "description": description,
                "place": place,
                "starts_at": timezone.make_aware(datetime.combine(day, start)),
                "ends_at": timezone.make_aware(datetime.combine(day, end)),
                "places": places,
                "age_min": low,
                "age_max": high,
            },
        )
        signer = people[by]
        assert signer is not None
        activity_services.activitysignup_create(actor=signer, activity=activity, case=case)
