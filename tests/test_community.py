"""The sociale kaart: adding and changing entries (every bad field named, nothing saved), search by theme, age,
distance and text, the review flag, and CSV import and export."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from community import importexport, selectors, services
from community.models import Category, Resource, ResourceTheme
from community.selectors import Search, bounding_box, fold, resource_search
from core.geo import Place, distance_km, geocode
from tests.builders.community import data, entry, social_broker
from tests.conftest import World
from tests.factories import MunicipalityFactory

TODAY = timezone.localdate()


@pytest.fixture
def english() -> Any:
    with translation.override("en"):
        yield


def english_client(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# ---------------------------------------------------------------------------------------------------------------
# Services


def test_a_coordinator_adds_an_entry_that_counts_as_checked(world: World) -> None:
    resource = services.resource_create(actor=world.coordinator, organisation=world.organisation, data=data())
    assert resource.organisation == world.organisation
    assert (resource.checked_on, resource.checked_by) == (TODAY, world.coordinator)
    assert [t.theme for t in resource.themes.all()] == ["autism"]
    leiden = geocode("Leiden")
    assert (resource.latitude, resource.longitude) == (leiden.latitude, leiden.longitude)
    assert resource.search_text == "voetbalclub de bal voetbal voor kinderen, ook met autisme."


BAD_FIELDS = [
    ({"name": "  "}, "name", "Give the name of the club, group or help point."),
    ({"name": "x" * 151}, "name", "Use at most 150 characters (now 151)."),
    ({"category": "circus"}, "category", "Choose a category."),
    ({"description": ""}, "description", "Describe in a few sentences what it offers and for whom."),
    ({"age_min": -1}, "age_min", "The lowest age must be a whole number from 0 to 99."),
    ({"age_max": 100}, "age_max", "The highest age must be a whole number from 0 to 99."),
    ({"age_min": 12, "age_max": 8}, "age_max", "The highest age cannot be lower than the lowest age."),
    ({"themes": ["autism", "circus"]}, "themes", "Unknown theme: circus."),
    ({"place": "Atlantis"}, "place", "We do not know the place “Atlantis”. Check the spelling."),
    ({"place": ""}, "place", "Enter a place."),
    ({"municipality": None}, "municipality", "Choose the municipality."),
    ({"cost": "expensive"}, "cost", "Choose what it costs: free, a small contribution or paid."),
    ({"phone": "bel ons"}, "phone", "Enter a phone number with digits only, like 071-5550123."),
    ({"email": "info@"}, "email", "Enter an email address like info@example.org."),
    ({"website": "http://"}, "website", "Enter a web address like www.example.org."),
    (
        {"phone": "", "email": "", "website": ""},
        "phone",
        "Give at least one way to get in touch: phone, email or website.",
    ),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_FIELDS, ids=[case[1] for case in BAD_FIELDS])
def test_each_bad_field_is_named_in_words_and_nothing_is_saved(
    world: World, english: None, overrides: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.resource_create(actor=world.coordinator, organisation=world.organisation, data=data(**overrides))
    assert caught.value.message_dict == {field: [message]}
    assert not Resource.objects.exists() and not ResourceTheme.objects.exists()


def test_every_bad_field_is_named_at_once(world: World) -> None:
    bad = data(name="", category="", age_min=50, age_max=10, email="x", place="Nergenshuizen")
    with pytest.raises(ValidationError) as caught:
        services.resource_create(actor=world.coordinator, organisation=world.organisation, data=bad)
    assert set(caught.value.message_dict) == {"name", "category", "age_max", "email", "place"}


def test_the_errors_are_in_dutch_for_a_dutch_page(world: World) -> None:
    with translation.override("nl"), pytest.raises(ValidationError) as caught:
        services.resource_create(actor=world.coordinator, organisation=world.organisation, data=data(place=""))
    assert caught.value.message_dict["place"] == ["Vul een plaats in."]


def test_a_website_without_scheme_gets_https(world: World) -> None:
    resource = services.resource_create(
        actor=world.coordinator, organisation=world.organisation, data=data(website="www.debal.example.org")
    )
    assert resource.website == "https://www.debal.example.org"


def test_an_update_changes_everything_and_counts_as_a_check(world: World) -> None:
    resource = entry(world.organisation, themes=("autism", "school"), checked_days_ago=400)
    changed = services.resource_update(
        actor=world.coordinator,
        resource=resource,
        data=data(name="De Bal", themes=["school", "divorce"], place="Katwijk", age_min=4),
    )
    changed.refresh_from_db()
    assert (changed.name, changed.place, changed.age_min) == ("De Bal", "Katwijk", 4)
    assert sorted(changed.themes.values_list("theme", flat=True)) == ["divorce", "school"]
    assert (changed.checked_on, changed.checked_by) == (TODAY, world.coordinator)
    assert changed.search_text.startswith("de bal ")


def test_a_failed_update_changes_nothing(world: World) -> None:
    resource = entry(world.organisation, name="Oud", themes=("autism",))
    with pytest.raises(ValidationError):
        services.resource_update(actor=world.coordinator, resource=resource, data=data(name="Nieuw", email="x"))
    resource.refresh_from_db()
    assert resource.name == "Oud" and list(resource.themes.values_list("theme", flat=True)) == ["autism"]


def test_only_keepers_of_the_organisation_write(world: World, user_factory: Any) -> None:
    resource = entry(world.organisation)
    for outsider in (world.professional, world.outsider, world.volunteer, world.parent):
        with pytest.raises(PermissionDenied):
            services.resource_create(actor=outsider, organisation=world.organisation, data=data())
        with pytest.raises(PermissionDenied):
            services.resource_mark_checked(actor=outsider, resource=resource)
    unscreened = social_broker(world.organisation, screened=False)
    with pytest.raises(PermissionDenied):
        services.resource_update(actor=unscreened.user, resource=resource, data=data())
    broker = social_broker(world.organisation)
    services.resource_update(actor=broker.user, resource=resource, data=data(name="Door de makelaar"))
    foreign = entry(world.other_organisation)
    with pytest.raises(PermissionDenied):
        services.resource_update(actor=broker.user, resource=foreign, data=data())


def test_a_stopped_broker_keeps_nothing(world: World) -> None:
    broker = social_broker(world.organisation)
    broker.status = broker.Status.STOPPED
    broker.save()
    assert not selectors.can_read_directory(broker.user)
    assert selectors.organisation_ids_keeping(broker.user) == []


def test_marking_checked_clears_the_review_flag(world: World) -> None:
    resource = entry(world.organisation, checked_days_ago=500)
    assert resource.due_for_review
    services.resource_mark_checked(actor=world.coordinator, resource=resource)
    resource.refresh_from_db()
    assert not resource.due_for_review and resource.checked_by == world.coordinator


# ---------------------------------------------------------------------------------------------------------------
# Search


@pytest.fixture
def directory(world: World) -> dict[str, Resource]:
    return {
        "football": entry(world.organisation, name="Voetbal Lugdunum", themes=("autism",), ages=(6, 18)),
        "divorce": entry(
            world.other_organisation,
            name="Oudergroep Scheiden",
            description="Voor ouders in een vechtscheiding. Koffie in het café.",
            themes=("divorce", "parenting"),
            ages=(0, 18),
            category=Category.SELF_HELP,
        ),
        "katwijk": entry(world.organisation, name="Taalcafé Katwijk", place="Katwijk", themes=("language",)),
        "utrecht": entry(world.other_organisation, name="Huiswerk Oost", place="Utrecht", ages=(12, 18)),
    }


def names(hits: list[selectors.Hit]) -> list[str]:
    return [hit.resource.name for hit in hits]


def test_search_by_theme(world: World, directory: dict[str, Resource]) -> None:
    assert names(resource_search(world.professional, Search(theme="divorce"))) == ["Oudergroep Scheiden"]
    assert names(resource_search(world.professional, Search(theme="grief"))) == []


def test_search_by_age(world: World, directory: dict[str, Resource]) -> None:
    assert names(resource_search(world.professional, Search(age=5))) == ["Oudergroep Scheiden", "Taalcafé Katwijk"]
    assert "Huiswerk Oost" in names(resource_search(world.professional, Search(age=12)))
    assert "Huiswerk Oost" not in names(resource_search(world.professional, Search(age=19)))


def test_search_by_text_ignores_case_and_accents(world: World, directory: dict[str, Resource]) -> None:
    assert names(resource_search(world.professional, Search(text="CAFE"))) == [
        "Oudergroep Scheiden",
        "Taalcafé Katwijk",
    ]
    assert names(resource_search(world.professional, Search(text="café vechtscheiding"))) == ["Oudergroep Scheiden"]
    assert names(resource_search(world.professional, Search(text="voetbal 100%"))) == []


def test_search_by_distance_nearest_first(world: World, directory: dict[str, Resource]) -> None:
    leiden = geocode("Leiden")
    hits = resource_search(world.professional, Search(near=leiden, within_km=10))
    assert names(hits) == ["Oudergroep Scheiden", "Voetbal Lugdunum", "Taalcafé Katwijk"]
    assert hits[0].distance_km == 0 and 5 < (hits[-1].distance_km or 0) < 7
    assert names(resource_search(world.professional, Search(near=leiden, within_km=2))) == [
        "Oudergroep Scheiden",
        "Voetbal Lugdunum",
    ]
    assert "Huiswerk Oost" in names(resource_search(world.professional, Search(near=leiden, within_km=50)))


def test_search_combines_every_part(world: World, directory: dict[str, Resource]) -> None:
    search = Search(text="taal", theme="language", age=30, near=geocode("Leiden"), within_km=10)
    assert names(resource_search(world.professional, search)) == ["Taalcafé Katwijk"]


@pytest.mark.parametrize("km", [1, 10, 50])
@pytest.mark.parametrize("place", ["Leiden", "Maastricht", "Groningen"])
def test_the_bounding_box_holds_every_point_within_the_distance(place: str, km: float) -> None:
    centre = geocode(place)
    south, north, west, east = bounding_box(centre, km)
    for bearing in range(0, 360, 15):
        from geopy.distance import geodesic

        point = geodesic(kilometers=km * 0.999).destination((centre.latitude, centre.longitude), bearing)
        assert south <= point.latitude <= north and west <= point.longitude <= east, bearing
        assert distance_km(centre, Place("x", point.latitude, point.longitude)) <= km


def test_nobody_else_finds_anything(world: World, directory: dict[str, Resource]) -> None:
    for persona in ("parent", "young_person_user", "mentor", "analyst", "volunteer", "admin"):
        assert resource_search(world.by_role(persona), Search()) == []


def test_fold() -> None:
    assert fold("  Café  Ruïne\tGEÏNTERESSEERD ") == "cafe ruine geinteresseerd"


def test_the_search_page_finds_by_theme_and_place(world: World, client: Client, directory: Any) -> None:
    client = english_client(client)
    client.force_login(world.professional)
    response = client.get(reverse("community:search"), {"theme": "language", "place": "leiden", "within": "10"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Taalcafé Katwijk" in text and "Voetbal Lugdunum" not in text
    assert "1 entry found" in text and "km away" in text


def test_an_unknown_place_is_an_error_on_the_page(world: World, client: Client, directory: Any) -> None:
    client = english_client(client)
    client.force_login(world.professional)
    response = client.get(reverse("community:search"), {"place": "Atlantis", "age": "x"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "We do not know the place “Atlantis”" in text and "Enter a whole number." in text


def test_the_search_page_takes_the_same_queries_for_more_entries(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    url = reverse("community:search")
    params = {"place": "Leiden", "within": "25"}
    entry(world.organisation, themes=("autism",), checked_by=world.coordinator)
    client.get(url, params)

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url, params).status_code == 200
        return len(context.captured_queries)

    with_one = count()
    for n in range(6):
        entry(world.other_organisation, name=f"Club {n}", themes=("autism", "school"), checked_by=world.outsider)
    assert count() == with_one


# ---------------------------------------------------------------------------------------------------------------
# The review flag


def test_an_entry_is_due_for_review_after_a_year(world: World) -> None:
    fresh = entry(world.organisation, name="Vers", checked_days_ago=365)
    stale = entry(world.organisation, name="Oud", checked_days_ago=366)
    foreign_stale = entry(world.other_organisation, name="Elders oud", checked_days_ago=800)
    assert not fresh.due_for_review and stale.due_for_review and foreign_stale.due_for_review
    assert list(selectors.resource_due_for_review(world.coordinator)) == [stale]
    assert list(selectors.resource_due_for_review(world.professional)) == []


def test_the_pages_show_the_review_flag(world: World, client: Client) -> None:
    client = english_client(client)
    stale = entry(world.organisation, name="Oude Club", checked_days_ago=400, checked_by=world.coordinator)
    client.force_login(world.coordinator)
    index = client.get(reverse("community:index")).content.decode()
    assert "Oude Club" in index and "1 entry of your organisation was not checked for a year" in index
    detail = client.get(reverse("community:detail", args=[stale.pk])).content.decode()
    assert "Due for review" in detail and "Kept up to date by Jeugdteam A" in detail
    assert f"by {world.coordinator.get_full_name()}." in detail
    assert "Due for review" in client.get(reverse("community:search")).content.decode()
    client.post(reverse("community:mark_checked", args=[stale.pk]))
    assert "Due for review" not in client.get(reverse("community:detail", args=[stale.pk])).content.decode()


# ---------------------------------------------------------------------------------------------------------------
# The print overview


def test_the_print_overview_shows_the_chosen_entries_and_no_person(world: World, client: Client) -> None:
    client = english_client(client)
    chosen = [entry(world.organisation, name=f"Club {n}", checked_by=world.coordinator) for n in range(3)]
    client.force_login(world.professional)
    response = client.get(reverse("community:print"), {"id": [chosen[2].pk, chosen[0].pk]})
    text = response.content.decode()
    assert response.status_code == 200
    assert text.index("Club 2") < text.index("Club 0") and "Club 1" not in text
    for person in (world.coordinator, world.professional):
        assert person.first_name not in text.split('<main id="main"')[1]
    assert "071-5550100" in text


def test_the_print_overview_takes_one_to_eight(world: World, client: Client) -> None:
    client = english_client(client)
    many = [entry(world.organisation, name=f"Club {n}").pk for n in range(9)]
    client.force_login(world.professional)
    too_many = client.get(reverse("community:print"), {"id": many})
    assert too_many.status_code == 400 and "Tick at most 8 entries" in too_many.content.decode()
    none = client.get(reverse("community:print"))
    assert none.status_code == 400 and "Tick at least one entry to print." in none.content.decode()
    assert client.get(reverse("community:print"), {"id": many[:8]}).status_code == 200


# ---------------------------------------------------------------------------------------------------------------
# Import and export

HEADER = "naam;categorie;omschrijving;leeftijd_van;leeftijd_tot;themas;plaats;kosten;telefoon;email"


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows]).encode("utf-8")


GOOD_ROWS = [
    "Voetbal Lugdunum;sports_club;Voetbal met een G-team.;6;18;autism, disability;Leiden;paid;071-5550101;",
    # Labels instead of codes; a quoted ; inside a value.
    'Oudergroep Scheiden;Self-help or parent group;"Ouders praten; samen.";;;Divorce;Katwijk;Free;;o@x.example.org',
]


@pytest.fixture
def katwijk(db: None) -> None:
    MunicipalityFactory(name="Leiden")
    MunicipalityFactory(name="Katwijk")


def test_a_good_file_is_imported(world: World, katwijk: None) -> None:
    report = services.resource_import(
        actor=world.coordinator, organisation=world.organisation, content=csv_file(*GOOD_ROWS)
    )
    assert (report.created, report.updated, report.errors) == (2, 0, [])
    football, parents = Resource.objects.order_by("name").reverse()
    assert football.name == "Voetbal Lugdunum" and football.cost == "paid"
    assert sorted(football.themes.values_list("theme", flat=True)) == ["autism", "disability"]
    assert (parents.category, parents.cost, parents.age_min, parents.age_max) == ("self_help", "free", 0, 99)
    assert list(parents.themes.values_list("theme", flat=True)) == ["divorce"]
    assert parents.description == "Ouders praten; samen." and parents.municipality.name == "Katwijk"
    assert {(r.organisation, r.checked_on, r.checked_by) for r in (football, parents)} == {
        (world.organisation, TODAY, world.coordinator)
    }


def test_a_comma_separated_file_with_a_bom_is_imported(world: World, katwijk: None) -> None:
    content = "\ufeffnaam,categorie,omschrijving,plaats,website\nDe Bieb,homework_help,Huiswerk,Leiden,bieb.example.org"
    report = services.resource_import(
        actor=world.coordinator, organisation=world.organisation, content=content.encode("utf-8")
    )
    assert report.errors == [] and Resource.objects.get().website == "https://bieb.example.org"


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row(world: World, katwijk: None, english: None) -> None:
    bad = "Kapotte rij;sports_club;Iets.;tien;18;;Leiden;free;071-5550101;"
    report = services.resource_import(
        actor=world.coordinator, organisation=world.organisation, content=csv_file(GOOD_ROWS[0], bad, GOOD_ROWS[1])
    )
    assert report.errors == ["Row 3, column leeftijd_van: Enter a whole number, like 12."]
    assert (report.created, report.updated) == (0, 0)
    assert not Resource.objects.exists() and not ResourceTheme.objects.exists()


def test_every_bad_row_and_column_is_named(world: World, katwijk: None, english: None) -> None:
    rows = [
        ";sports_club;Iets.;6;18;;Leiden;free;071-5550101;",
        "Club;circus;Iets.;6;18;autism;Atlantis;free;;",
        GOOD_ROWS[0],
    ]
    report = services.resource_import(actor=world.coordinator, organisation=world.organisation, content=csv_file(*rows))
    assert report.errors == [
        "Row 2, column naam: Give the name of the club, group or help point.",
        "Row 3, column categorie: Unknown value “circus”.",
        "Row 3, column plaats: We do not know the place “Atlantis”. Check the spelling.",
        "Row 3, column telefoon: Give at least one way to get in touch: phone, email or website.",
    ]
    assert not Resource.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            csv_file(GOOD_ROWS[0], header=HEADER.replace("naam", "name")),
            "Missing columns: naam. Unknown columns: name.",
        ),
        (csv_file(header=HEADER), "The file has column names but no rows."),
        ("naam;plaats\nü;Leiden".encode("latin-1"), "The file is not UTF-8."),
        (b"naam;categorie;omschrijving\nx;y;z", "Missing columns: plaats."),
    ],
    ids=["renamed column", "no rows", "latin-1", "missing column"],
)
def test_a_file_with_wrong_columns_imports_nothing(
    world: World, katwijk: None, english: None, content: bytes, message: str
) -> None:
    report = services.resource_import(actor=world.coordinator, organisation=world.organisation, content=content)
    assert len(report.errors) == 1 and report.errors[0].startswith(message)
    assert not Resource.objects.exists()


def test_only_a_coordinator_of_the_organisation_imports(world: World, katwijk: None) -> None:
    broker = social_broker(world.organisation)
    for actor in (broker.user, world.professional, world.outsider):
        with pytest.raises(PermissionDenied):
            services.resource_import(actor=actor, organisation=world.organisation, content=csv_file(*GOOD_ROWS))
    with pytest.raises(PermissionDenied):
        services.resource_import(actor=world.coordinator, organisation=world.other_organisation, content=b"")


FIELDS = ["name", "category", "description", "age_min", "age_max", "address", "place", "municipality_id"]
FIELDS += ["opening_times", "cost", "cost_note", "phone", "email", "website", "latitude", "longitude"]


def snapshot(resources: Any) -> list[tuple[Any, ...]]:
    return sorted(
        (*(getattr(r, f) for f in FIELDS), tuple(sorted(r.themes.values_list("theme", flat=True)))) for r in resources
    )


def test_an_export_imports_again_unchanged(world: World, katwijk: None) -> None:
    services.resource_import(actor=world.coordinator, organisation=world.organisation, content=csv_file(*GOOD_ROWS))
    services.resource_update(
        actor=world.coordinator,
        resource=Resource.objects.get(name="Voetbal Lugdunum"),
        data=data(
            name="Voetbal Lugdunum", address="Sportpark; veld 2", opening_times='Za "ochtend"', website="a.example.org"
        ),
    )
    entry(world.other_organisation, name="Niet van ons")
    before = snapshot(Resource.objects.filter(organisation=world.organisation))
    exported = importexport.export_csv(selectors.resource_export_queryset(world.coordinator, everything=False))
    assert exported.startswith("\ufeffid;naam;categorie".encode()) and b"Niet van ons" not in exported

    again = services.resource_import(actor=world.coordinator, organisation=world.organisation, content=exported)
    assert (again.created, again.updated, again.errors) == (0, 2, [])
    assert snapshot(Resource.objects.filter(organisation=world.organisation)) == before

    # Without ids, the same file adds copies with the same contents.
    lines = exported.decode("utf-8-sig").splitlines()
    without_ids = "\n".join([lines[0], *(";" + line.split(";", 1)[1] for line in lines[1:])]).encode()
    copies = services.resource_import(actor=world.coordinator, organisation=world.organisation, content=without_ids)
    assert (copies.created, copies.errors) == (2, [])
    assert snapshot(Resource.objects.filter(organisation=world.organisation)) == sorted(before + before)


def test_a_formula_is_defused_in_the_export_and_restored_by_the_import(world: World, katwijk: None) -> None:
    made = entry(world.organisation, name='=HYPERLINK("http://x.example.org")', description="@SUM(1)")
    exported = importexport.export_csv(selectors.resource_export_queryset(world.coordinator, everything=False))
    assert b"'=HYPERLINK" in exported and b";'@SUM(1);" in exported and b";071-5550100;" in exported
    services.resource_import(actor=world.coordinator, organisation=world.organisation, content=exported)
    made.refresh_from_db()
    assert (made.name, made.description) == ('=HYPERLINK("http://x.example.org")', "@SUM(1)")


def test_an_import_cannot_change_another_organisations_entry(world: World, katwijk: None, english: None) -> None:
    foreign = entry(world.other_organisation, name="Niet van ons")
    content = csv_file(f"{foreign.pk};Overgenomen;other;x;;;;Leiden;free;071-5550101;", header="id;" + HEADER)
    report = services.resource_import(actor=world.coordinator, organisation=world.organisation, content=content)
    assert report.errors == [
        "Row 2, column id: Your organisation has no entry with this id. Leave it empty for a new one."
    ]
    foreign.refresh_from_db()
    assert foreign.name == "Niet van ons" and foreign.organisation == world.other_organisation


def test_the_whole_directory_export_holds_every_entry(world: World) -> None:
    entry(world.organisation, name="Van ons")
    entry(world.other_organisation, name="Van hen")
    everything = importexport.export_csv(selectors.resource_export_queryset(world.coordinator, everything=True))
    assert b"Van ons" in everything and b"Van hen" in everything and b"Jeugdteam B" in everything


def test_the_import_page_shows_the_rows_to_fix(world: World, client: Client, katwijk: None) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = english_client(client)
    client.force_login(world.coordinator)
    bad = csv_file(GOOD_ROWS[0], "Kapotte rij;sports_club;Iets.;tien;18;;Leiden;free;071-5550101;")
    upload = SimpleUploadedFile("kaart.csv", bad, content_type="text/csv")
    response = client.post(reverse("community:import"), {"organisation": world.organisation.pk, "file": upload})
    text = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported" in text and "Row 3, column leeftijd_van: Enter a whole number, like 12." in text
    assert not Resource.objects.exists()

    good = SimpleUploadedFile("kaart.csv", csv_file(*GOOD_ROWS), content_type="text/csv")
    response = client.post(
        reverse("community:import"), {"organisation": world.organisation.pk, "file": good}, follow=True
    )
    assert "The file is imported: 2 entries added, 0 changed." in response.content.decode()


def test_the_export_downloads_a_csv(world: World, client: Client) -> None:
    entry(world.organisation, name="Van ons")
    client.force_login(world.coordinator)
    response = client.get(reverse("community:export"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert "Van ons" in response.content.decode("utf-8-sig")


# ---------------------------------------------------------------------------------------------------------------
# Pages: add and change


def _form(**overrides: Any) -> dict[str, Any]:
    values = data(**overrides)
    posted: dict[str, Any] = {k: v for k, v in values.items() if k not in ("municipality", "themes")}
    posted["municipality"] = values["municipality"].pk if values["municipality"] else ""
    posted["themes"] = values["themes"]
    return posted


def test_a_coordinator_adds_and_changes_an_entry_on_the_pages(world: World, client: Client) -> None:
    client = english_client(client)
    client.force_login(world.coordinator)
    response = client.post(reverse("community:create"), _form(organisation=world.organisation.pk), follow=True)
    assert "Voetbalclub De Bal is added to the sociale kaart." in response.content.decode()
    resource = Resource.objects.get()
    response = client.post(
        reverse("community:update", args=[resource.pk]),
        _form(organisation=world.organisation.pk, name="De Bal", themes=["school"]),
        follow=True,
    )
    assert "The changes to De Bal are saved." in response.content.decode()
    page = client.get(reverse("community:update", args=[resource.pk])).content.decode()
    assert (
        'value="De Bal"' in page
        and 'value="school" checked' in page.replace('" id', '"').replace('checked="checked"', "checked")
    ) or "school" in page


def test_a_bad_form_shows_every_error_and_saves_nothing(world: World, client: Client) -> None:
    client = english_client(client)
    client.force_login(world.coordinator)
    response = client.post(
        reverse("community:create"), _form(organisation=world.organisation.pk, place="Atlantis", phone="", email="")
    )
    text = response.content.decode()
    assert response.status_code == 200 and "error-summary" in text
    assert "We do not know the place “Atlantis”" in text
    assert "Give at least one way to get in touch" in text
    assert not Resource.objects.exists()


def test_a_coordinator_cannot_add_for_another_organisation(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    response = client.post(reverse("community:create"), _form(organisation=world.other_organisation.pk))
    assert response.status_code == 200 and not Resource.objects.exists()
