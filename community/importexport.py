"""The sociale kaart as a CSV file, through django-import-export's ModelResource (no hand-written parsing).

The columns are fixed Dutch names, the same in every language of the interface, so that an exported file can be
edited in a spreadsheet and imported again. Values are the codes shown on the import page (or their labels).
Every row goes through `services.resource_clean`, the same rules as the form.
"""

from __future__ import annotations

import re
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from import_export import fields, resources

from accounts.models import Municipality, Organisation, User
from community.models import AGE_LIMIT, Category, Cost, Resource, Theme
from community.services import ImportReport, ResourceData, _set_themes, resource_clean

# (column, field of ResourceData or of the entry); the order of the export.
COLUMNS: list[tuple[str, str]] = [
    ("id", "id"),
    ("naam", "name"),
    ("categorie", "category"),
    ("omschrijving", "description"),
    ("leeftijd_van", "age_min"),
    ("leeftijd_tot", "age_max"),
    ("themas", "themes"),
    ("adres", "address"),
    ("plaats", "place"),
    ("gemeente", "municipality"),
    ("openingstijden", "opening_times"),
    ("kosten", "cost"),
    ("toelichting_kosten", "cost_note"),
    ("telefoon", "phone"),
    ("email", "email"),
    ("website", "website"),
    ("gecontroleerd_op", "checked_on"),
    ("beheerd_door", "organisation"),
]
COLUMN_FOR = {field: column for column, field in COLUMNS}
REQUIRED_COLUMNS = ["naam", "categorie", "omschrijving", "plaats"]
# Written by the export and ignored by the import: an import counts as checking every entry, by the importer.
EXPORT_ONLY = {"gecontroleerd_op", "beheerd_door"}
THEME_SEPARATORS = re.compile(r"[,|/]")
MAX_BYTES = 2_000_000


def _lookup(choices: Any) -> dict[str, str]:
    """Code, Dutch label and English label (folded) → code, so a file may say "sports_club" or "Sportclub"."""
    found: dict[str, str] = {}
    for language in ("en", "nl"):
        with translation.override(language):
            for code, label in choices.choices:
                found[str(label).casefold()] = code
    for code in choices.values:
        found[code.casefold()] = code
    return found


def allowed_values() -> dict[str, list[str]]:
    """The codes each coded column takes, for the import page."""
    return {"categorie": Category.values, "themas": Theme.values, "kosten": Cost.values}


class DirectoryResource(resources.ModelResource):
    """Rows of the sociale kaart. For an import, `organisation` and `actor` say whose entries these are and who
    checked them; a row with an `id` changes that entry, which must be one of `organisation`'s."""

    id = fields.Field(attribute="id", column_name="id", readonly=True)
    naam = fields.Field(attribute="name", column_name="naam", readonly=True)
    categorie = fields.Field(attribute="category", column_name="categorie", readonly=True)
    omschrijving = fields.Field(attribute="description", column_name="omschrijving", readonly=True)
    leeftijd_van = fields.Field(attribute="age_min", column_name="leeftijd_van", readonly=True)
    leeftijd_tot = fields.Field(attribute="age_max", column_name="leeftijd_tot", readonly=True)
    themas = fields.Field(column_name="themas", readonly=True)
    adres = fields.Field(attribute="address", column_name="adres", readonly=True)
    plaats = fields.Field(attribute="place", column_name="plaats", readonly=True)
    gemeente = fields.Field(attribute="municipality__name", column_name="gemeente", readonly=True)
    openingstijden = fields.Field(attribute="opening_times", column_name="openingstijden", readonly=True)
    kosten = fields.Field(attribute="cost", column_name="kosten", readonly=True)
    toelichting_kosten = fields.Field(attribute="cost_note", column_name="toelichting_kosten", readonly=True)
    telefoon = fields.Field(attribute="phone", column_name="telefoon", readonly=True)
    email = fields.Field(attribute="email", column_name="email", readonly=True)
    website = fields.Field(attribute="website", column_name="website", readonly=True)
    gecontroleerd_op = fields.Field(attribute="checked_on", column_name="gecontroleerd_op", readonly=True)
    beheerd_door = fields.Field(attribute="organisation__name", column_name="beheerd_door", readonly=True)

    class Meta:
        model = Resource
        fields = [column for column, _field in COLUMNS]
        export_order = [column for column, _field in COLUMNS]
        import_id_fields = ["id"]
        skip_diff = True
        use_transactions = True
        clean_model_instances = False

    def __init__(self, *, organisation: Organisation | None = None, actor: User | None = None) -> None:
        super().__init__()
        self.organisation = organisation
        self.actor = actor
        self.categories = _lookup(Category)
        self.themes = _lookup(Theme)
        self.costs = _lookup(Cost)
        self.municipalities = {m.name.casefold(): m for m in Municipality.objects.all()}

    # -- export ---------------------------------------------------------------------------------------------------

    def dehydrate_themas(self, resource: Resource) -> str:
        return ", ".join(theme.theme for theme in resource.themes.all())

    def dehydrate_gecontroleerd_op(self, resource: Resource) -> str:
        return resource.checked_on.isoformat()

    # -- import ---------------------------------------------------------------------------------------------------

    def get_queryset(self) -> Any:
        return Resource.objects.filter(organisation=self.organisation)

    def get_instance(self, instance_loader: Any, row: dict[str, Any]) -> Resource | None:
        raw = str(row.get("id") or "").strip()
        if not raw:
            return None
        if not raw.isdigit():
            raise ValidationError({"id": _("Leave the id empty for a new entry, or keep the id from the export.")})
        found: Resource | None = self.get_queryset().filter(pk=int(raw)).first()
        if found is None:
            raise ValidationError(
                {"id": _("Your organisation has no entry with this id. Leave it empty for a new one.")}
            )
        return found

    def init_instance(self, row: dict[str, Any] | None = None) -> Resource:
        return Resource(organisation=self.organisation)

    def import_instance(self, instance: Resource, row: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, str] = {}

        def text(column: str) -> str:
            return undefuse(str(row.get(column) or "").strip())

        def age(column: str, default: int) -> int | None:
            raw = text(column)
            if not raw:
                return default
            if not re.fullmatch(r"\d{1,3}", raw):
                errors[column] = _("Enter a whole number, like 12.")
                return None
            return int(raw)

        def coded(column: str, lookup: dict[str, str]) -> str:
            raw = text(column)
            code = lookup.get(raw.casefold(), "")
            if raw and not code:
                errors[column] = _("Unknown value “%(value)s”.") % {"value": raw}
            return code

        themes = []
        for part in THEME_SEPARATORS.split(text("themas")):
            if part.strip():
                code = self.themes.get(part.strip().casefold())
                if code is None:
                    errors["themas"] = _("Unknown theme “%(value)s”.") % {"value": part.strip()}
                else:
                    themes.append(code)
        municipality_name = text("gemeente") or text("plaats")
        municipality = self.municipalities.get(municipality_name.casefold())
        if municipality is None and text("gemeente"):
            errors["gemeente"] = _("Unknown municipality “%(value)s”.") % {"value": municipality_name}
        data: ResourceData = {
            "name": text("naam"),
            "category": coded("categorie", self.categories),
            "description": text("omschrijving"),
            "age_min": age("leeftijd_van", 0),  # type: ignore[typeddict-item]
            "age_max": age("leeftijd_tot", AGE_LIMIT),  # type: ignore[typeddict-item]
            "themes": themes,
            "address": text("adres"),
            "place": text("plaats"),
            "municipality": municipality,
            "opening_times": text("openingstijden"),
            "cost": coded("kosten", self.costs) or (Cost.FREE if not text("kosten") else ""),
            "cost_note": text("toelichting_kosten"),
            "phone": text("telefoon"),
            "email": text("email"),
            "website": text("website"),
        }
        try:
            clean = resource_clean(data)
        except ValidationError as error:
            found = error.message_dict
            if "municipality" in found and not text("gemeente"):
                # The municipality came from the place: a wrong place says enough; else say what to fill in.
                if "place" in found:
                    del found["municipality"]
                else:
                    found["municipality"] = [
                        _("Fill in the municipality: “%(place)s” is not a municipality we know.")
                        % {"place": text("plaats")}
                    ]
            for field, messages in found.items():
                # A value that could not be read says so; the rule it then breaks would only repeat that.
                errors.setdefault(COLUMN_FOR.get(field, field), " ".join(messages))
        if errors:
            raise ValidationError(errors)
        for field, value in clean.values.items():
            setattr(instance, field, value)
        instance.checked_on = timezone.localdate()
        instance.checked_by = self.actor
        instance._import_themes = clean.themes  # type: ignore[attr-defined]

    def after_save_instance(self, instance: Resource, row: dict[str, Any], **kwargs: Any) -> None:
        _set_themes(instance, instance._import_themes)  # type: ignore[attr-defined]


def read_csv(content: bytes) -> tuple[tablib.Dataset | None, str]:
    """The rows of a CSV file (UTF-8, with or without BOM; ; or , between values), or None and what is wrong."""
    if len(content) > MAX_BYTES:
        return None, _("The file is too large. Split it into files of at most 2 MB.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, _("The file is not UTF-8. In your spreadsheet, save it as “CSV UTF-8”.")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        dataset = tablib.Dataset().load(text, format="csv", delimiter=delimiter)
    except Exception:  # noqa: BLE001 - tablib raises several kinds; any of them means the file cannot be read
        return None, _("The file cannot be read as CSV.")
    dataset.headers = [str(h or "").strip().casefold() for h in dataset.headers or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in dataset.headers]
    known = {column for column, _field in COLUMNS}
    unknown = [h for h in dataset.headers if h not in known]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
        if unknown:
            parts.append(_("Unknown columns: %(columns)s.") % {"columns": ", ".join(c or "?" for c in unknown)})
        return None, " ".join([*parts, _("Use the column names of the example.")])
    if not len(dataset):
        return None, _("The file has column names but no rows.")
    return dataset, ""


def import_rows(dataset: tablib.Dataset, *, actor: User, organisation: Organisation, dry_run: bool) -> ImportReport:
    """Run the import (or its dry run) and translate import-export's result into our report. Row numbers are as
    in a spreadsheet: row 1 holds the column names, so the first entry is row 2."""
    resource = DirectoryResource(organisation=organisation, actor=actor)
    result = resource.import_data(dataset, dry_run=dry_run, use_transactions=True, rollback_on_validation_errors=True)
    errors: list[str] = []
    for invalid in result.invalid_rows:
        for column, messages in invalid.error_dict.items():
            errors.append(
                _("Row %(row)s, column %(column)s: %(message)s")
                % {"row": invalid.number + 1, "column": column, "message": " ".join(messages)}
            )
    for error_row in result.error_rows:
        errors.append(
            _("Row %(row)s could not be imported (%(error)s).")
            % {"row": error_row.number + 1, "error": "; ".join(str(e.error) for e in error_row.errors)}
        )
    for base_error in result.base_errors:
        errors.append(_("The file could not be imported (%(error)s).") % {"error": base_error.error})
    if errors:
        return ImportReport(created=0, updated=0, errors=errors)
    totals = result.totals
    return ImportReport(created=totals.get("new", 0), updated=totals.get("update", 0), errors=[])


FORMULA_START = ("=", "@", "+", "-", "\t", "\r")
PHONE_LIKE = re.compile(r"^[+\-]?[0-9 ()\-]*$")


def _defuse(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe (OWASP's advice for CSV
    injection); phone numbers like +31 71 555 0100 are left alone. The import takes the apostrophe off again."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not PHONE_LIKE.match(value):
        return "'" + value
    return value


def undefuse(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def export_csv(queryset: Any) -> bytes:
    """The entries as a CSV file with ; between values (what Dutch spreadsheets expect) and a BOM, so that a
    spreadsheet opens it as UTF-8."""
    exported = DirectoryResource().export(queryset=queryset)
    dataset = tablib.Dataset(headers=exported.headers)
    for row in exported:
        dataset.append([_defuse(value) for value in row])
    text: str = dataset.export("csv", delimiter=";")
    return ("\ufeff" + text).encode("utf-8")
