"""The health check and demo login (the home page is in the `home` app, which may ask every feature)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.selectors import demo_user_get
from core.health import run_checks


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database, channel layer and cache answer; 503 naming the parts that do not."""
    checks = run_checks()
    failing = sorted(name for name, state in checks.items() if state != "ok")
    body = {"status": "error" if failing else "ok", "checks": checks, "failing": failing}
    return JsonResponse(body, status=503 if failing else 200)


@require_POST
def demo_login(request: HttpRequest) -> HttpResponse:
    """Demo mode only: log in as one of the demo people with one click. Absent (404) outside demo mode."""
    if not settings.DICHTBIJ_DEMO:
        raise Http404
    user = demo_user_get(request.POST.get("email", ""))
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("home")
