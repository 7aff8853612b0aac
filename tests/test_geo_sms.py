from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from twilio.http import HttpClient
from twilio.http.response import Response

from core.geo import distance_km, geocode, normalise_postcode
from core.sms import ConsoleTransport, TwilioTransport, sms_transport


def test_known_places_are_found_whatever_the_spelling_of_case_and_accents() -> None:
    leiden = geocode("leiden")
    assert leiden.name == "Leiden"
    assert 52.1 < leiden.latitude < 52.2
    assert geocode("  Alphen aan den Rijn ").name == "Alphen aan den Rijn"
    assert geocode("den haag").name == "Den Haag"  # GeoNames calls it "The Hague"; people here do not
    assert 14 < distance_km(leiden, geocode("Den Haag")) < 20


@pytest.mark.parametrize("query", ["Atlantis", "", "2311 AB"])
def test_unknown_places_and_postcodes_get_a_clear_error_offline(query: str) -> None:
    with pytest.raises(ValidationError):
        geocode(query)


def test_postcodes_are_normalised_or_refused() -> None:
    assert normalise_postcode("2311ab") == "2311 AB"
    with pytest.raises(ValidationError):
        normalise_postcode("ABCD 12")


class FakeTwilioNetwork(HttpClient):
    """Twilio's own client, with only the network replaced: records the request, answers like the API."""

    def __init__(self) -> None:
        super().__init__(logger=None, is_async=False)
        self.requests: list[dict[str, Any]] = []

    def request(self, method: str, url: str, params: Any = None, data: Any = None, **kwargs: Any) -> Response:
        self.requests.append({"method": method, "url": url, "data": data})
        return Response(201, json.dumps({"sid": "SM123", "status": "queued", "to": data["To"], "body": data["Body"]}))


def test_twilio_transport_sends_through_twilios_client(settings: Any) -> None:
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_FROM_NUMBER = "AC123", "token", "+3197000"
    network = FakeTwilioNetwork()
    sid = TwilioTransport(http_client=network).send(to="+31612345678", body="Je hebt een nieuw bericht.")
    assert sid == "SM123"
    [sent] = network.requests
    assert sent["method"] == "POST"
    assert sent["url"].endswith("/Accounts/AC123/Messages.json")
    assert sent["data"]["From"] == "+3197000"


def test_the_transport_is_chosen_by_setting(settings: Any, capsys: Any) -> None:
    assert isinstance(sms_transport(), ConsoleTransport)
    sms_transport().send(to="+31612345678", body="Je hebt een nieuw bericht.")
    assert "Je hebt een nieuw bericht." in capsys.readouterr().out
    settings.SMS_TRANSPORT = "core.sms.TwilioTransport"
    assert isinstance(sms_transport(), TwilioTransport)
