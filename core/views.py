"""The health check (the home page is in the `home` app, which may ask every feature; the demo login is in
accounts)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from core.health import run_checks


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database, channel layer and cache answer; 503 naming the parts that do not."""
    checks = run_checks()
    failing = sorted(name for name, state in checks.items() if state != "ok")
    body = {"status": "error" if failing else "ok", "checks": checks, "failing": failing}
    return JsonResponse(body, status=503 if failing else 200)
