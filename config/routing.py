"""WebSocket routes. Each app that owns a consumer adds its patterns here."""

from __future__ import annotations

from django.urls import URLPattern, path

from messaging.consumers import ChatConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/berichten/<int:pk>/", ChatConsumer.as_asgi()),
]
