"""The request a view behind `login_required` receives: its user is signed in (django-stubs' recommended pattern)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    # A type only: core sits below accounts (DESIGN.md, Layout) and never imports it at run time.
    from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """An `HttpRequest` whose `user` is a `User`, never `AnonymousUser`: annotate views behind `login_required`."""

    user: User
