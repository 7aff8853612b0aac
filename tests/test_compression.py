"""Pages are sent gzip-compressed to a browser that accepts it (Django's GZipMiddleware, config/settings.py): the
same page once decoded, `Vary: Accept-Encoding` for caches, a small or streamed answer still whole, static files left
to WhiteNoise, and the chat socket untouched (issue #23)."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.http import HttpRequest, StreamingHttpResponse
from django.test import Client
from django.urls import path, reverse
from django.utils import translation

from tests.builders.sockets import connect_with_code, cookie_for, receive, triad
from tests.conftest import World

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.fixture(autouse=True)
def english(client: Client) -> Iterator[None]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def _same_apart_from_per_request_secrets(page: str) -> str:
    """The page without what differs on every request anyway: the CSP nonce and the masked CSRF token."""
    page = re.sub(r'nonce="[^"]*"', 'nonce=""', page)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken" value=""', page)


def test_a_page_comes_compressed_and_decodes_to_the_same_html(world: World, client: Client) -> None:
    client.force_login(world.professional)
    plain = client.get(reverse("home"))
    packed = client.get(reverse("home"), headers=GZIP)
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain and packed["Content-Encoding"] == "gzip"
    for response in (plain, packed):
        assert "Accept-Encoding" in response["Vary"]
    assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content)
    unpacked = gzip.decompress(packed.content).decode()
    assert unpacked.startswith("<!DOCTYPE html>")
    assert _same_apart_from_per_request_secrets(unpacked) == _same_apart_from_per_request_secrets(
        plain.content.decode()
    )


def test_the_chat_page_and_its_http_fallback_come_compressed(world: World, client: Client) -> None:
    conversation = triad(world)
    client.force_login(world.mentor)
    page = client.get(reverse("messaging:detail", args=[conversation.pk]), headers=GZIP)
    assert page["Content-Encoding"] == "gzip" and b"chat-form" in gzip.decompress(page.content)
    since = client.get(reverse("messaging:since", args=[conversation.pk]), headers=GZIP)
    # The JSON of an empty catch-up is shorter than the middleware's threshold: sent as it is, and still whole.
    assert "Content-Encoding" not in since and json.loads(since.content) == {"messages": [], "more": False}


def test_the_gzip_header_carries_random_bytes_against_breach(world: World, client: Client) -> None:
    """Heal The Breach: a file name of 0 to 99 random bytes (flag FNAME, byte 3), so equal pages differ in length."""
    client.force_login(world.professional)
    lengths = set()
    for _attempt in range(20):
        packed = client.get(reverse("home"), headers=GZIP).content
        assert packed[:2] == b"\x1f\x8b" and packed[3] & 0x08
        lengths.add(packed.index(b"\x00", 10) - 10)
    assert len(lengths) > 1


def _streamed(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(f"line {number}\n" for number in range(500))


urlpatterns = [path("streamed/", _streamed)]


# Every request takes its database connection first (core.middleware.BusyWhenNoConnectionMiddleware).
@pytest.mark.django_db
@pytest.mark.urls("tests.test_compression")
def test_a_streamed_answer_is_compressed_as_it_goes(client: Client) -> None:
    expected = "".join(f"line {number}\n" for number in range(500)).encode()
    packed = client.get("/streamed/", headers=GZIP)
    assert packed.streaming and packed["Content-Encoding"] == "gzip" and "Content-Length" not in packed
    assert gzip.decompress(packed.getvalue()) == expected
    plain = client.get("/streamed/")
    assert plain.streaming and plain.getvalue() == expected


def test_the_middleware_sits_below_whitenoise_and_above_the_rest() -> None:
    """Static files are WhiteNoise's (compressed once, at collectstatic): the middleware must not see them. Every
    middleware below it may still read or change a page's body before it is compressed."""
    middleware = settings.MIDDLEWARE
    gzip_at = middleware.index("django.middleware.gzip.GZipMiddleware")
    assert middleware[gzip_at - 1] == "whitenoise.middleware.WhiteNoiseMiddleware"
    # Above it only what sets headers or answers by itself, never what reads or rewrites a page's body.
    assert set(middleware[:gzip_at]) == {
        "django.middleware.security.SecurityMiddleware",
        "core.middleware.PermissionsPolicyMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_close_thread_connections")
def test_the_chat_socket_sends_plain_frames_whatever_the_browser_accepts(world: World) -> None:
    """Sockets pass through no Django middleware: the frames stay plain JSON text for a browser that accepts gzip
    (`connect_with_code` reads the first frame, "ready", as JSON)."""
    conversation = triad(world)
    session = cookie_for(world.mentor)

    async def run() -> tuple[bool, dict[str, object]]:
        communicator, joined, _code = await connect_with_code(
            session, conversation.pk, extra_headers=((b"accept-encoding", b"gzip, deflate, br"),)
        )
        await communicator.send_json_to({"type": "hello", "after": 0})
        caught = await receive(communicator, "catchup")
        await communicator.disconnect()
        return joined, caught

    joined, caught = asyncio.run(run())
    assert joined and caught["messages"] == []
