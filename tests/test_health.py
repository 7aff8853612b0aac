from __future__ import annotations

import json

from django.test import Client
from django.test.utils import override_settings

DOWN_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: a real refused connection, no mock


def test_healthz_is_ok_when_everything_answers(db: None, client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {"database": "ok", "channel_layer": "ok", "cache": "ok"},
        "failing": [],
    }
    assert "no-cache" in response["Cache-Control"]


@override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DOWN_REDIS}}
)
def test_healthz_names_a_failing_cache(db: None, client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["failing"] == ["cache"]
    assert body["checks"]["database"] == "ok"


@override_settings(
    CHANNEL_LAYERS={
        "default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer", "CONFIG": {"hosts": [DOWN_REDIS]}}
    }
)
def test_healthz_names_a_failing_channel_layer(db: None, client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["failing"] == ["channel_layer"]
