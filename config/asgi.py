"""ASGI entry point: HTTP through Django, WebSockets through Channels (routes are added by the apps that own them)."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.layers import get_channel_layer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402

# Make the channel layer now, while the process starts: its backend (channels_redis and redis' asyncio client) takes
# over a second to import, and done lazily on the first socket it stalled every handshake waiting behind it.
get_channel_layer()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(CookieMiddleware(URLRouter(websocket_urlpatterns))),
    }
)
