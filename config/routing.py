"""WebSocket routes. Each app that owns a consumer adds its patterns here."""

from __future__ import annotations

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
