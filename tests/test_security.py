"""Deployment settings, headers, the second factor, session lifetimes, rate limits and the admin login."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core import mail
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from accounts.selectors import SESSION_LAST_SEEN, SESSION_STARTED
from tests.conftest import World
from tests.factories import PASSWORD, user_with_role

ROOT = Path(__file__).resolve().parent.parent


def test_deploy_check_reports_nothing_with_production_settings() -> None:
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "a-production-like-secret-that-is-long-and-random-enough-7Hq9",
        "ALLOWED_HOSTS": "dichtbij.example.nl",
        "DATABASE_URL": "sqlite:////tmp/dichtbij-deploy-check.sqlite3",
        "MFA_ENCRYPTION_KEYS": "Mz3hVx0yGm2o6tW0vQeWm2b7Pq8vJm1oZr3kYq4sXlA=",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {"PATH": os.environ["PATH"], "DEBUG": "false", "ALLOWED_HOSTS": "dichtbij.example.nl"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_keys_for_the_second_factor_secrets() -> None:
    env = {"PATH": os.environ["PATH"], "DEBUG": "false", "SECRET_KEY": "y" * 60, "ALLOWED_HOSTS": "dichtbij.example.nl"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "MFA_ENCRYPTION_KEYS" in result.stderr


def test_pages_with_personal_data_are_never_cached_and_carry_security_headers(world: World, client: Client) -> None:
    client.force_login(world.young_person_user)
    response = client.get(reverse("youth:youngperson_detail", args=[world.young_person.pk]))
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def _permissions_policy(response: HttpResponseBase) -> dict[str, str]:
    header = response["Permissions-Policy"]
    return dict(part.strip().split("=", 1) for part in header.split(","))


def test_every_response_switches_off_the_browser_features_no_page_uses(world: World, client: Client) -> None:
    anonymous = [reverse("account_login"), reverse("volunteers:register"), "/bestaat-niet/", reverse("healthz")]
    responses = [client.get(path) for path in anonymous]
    client.force_login(world.young_person_user)
    responses.append(client.get(reverse("youth:youngperson_detail", args=[world.young_person.pk])))
    assert {response.status_code for response in responses} >= {200, 404}
    for response in responses:
        policy = _permissions_policy(response)
        for feature in ["camera", "microphone", "geolocation", "payment", "usb", "display-capture", "fullscreen"]:
            assert policy[feature] == "()", (response, feature)
        # Security keys (a second factor) work on our own pages only.
        assert policy["publickey-credentials-get"] == "(self)"
        assert policy["publickey-credentials-create"] == "(self)"


@pytest.mark.parametrize("role", [Role.PROFESSIONAL, Role.COORDINATOR, Role.ANALYST, Role.ADMIN])
def test_staff_without_a_second_factor_reach_only_its_setup(world: World, client: Client, role: str) -> None:
    user = user_with_role(role, world.organisation, mfa=False, is_staff=role == Role.ADMIN)
    client.force_login(user)
    for path in [reverse("home"), reverse("youth:youngperson_list"), reverse("admin:index")]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_index")
    assert client.get(reverse("mfa_index")).status_code == 200
    # Setting up asks for the password again (allauth's reauthentication), which is also reachable.
    assert client.get(reverse("mfa_activate_totp"), follow=True).status_code == 200

    TOTP.activate(user, generate_totp_secret())
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("role", [Role.YOUNG_PERSON, Role.PARENT, Role.MENTOR, Role.VOLUNTEER])
def test_others_do_not_need_a_second_factor(world: World, client: Client, role: str) -> None:
    client.force_login(user_with_role(role, world.organisation))
    assert client.get(reverse("home")).status_code == 200


def _login(client: Client, email: str, password: str) -> str:
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    return str(response["Location"])


def _code(user: object) -> str:
    from allauth.mfa.utils import decrypt

    secret = decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])
    code: str = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    return code


def test_login_asks_staff_for_the_code_and_a_password_reset_does_not_skip_it(world: World, client: Client) -> None:
    assert world.professional.email is not None
    assert _login(client, world.professional.email, PASSWORD) == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": _code(world.professional)})
    assert response["Location"] == reverse("home")
    client.logout()

    client.post(reverse("account_reset_password"), {"email": world.professional.email})
    reset_link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", str(mail.outbox[-1].body))
    assert reset_link
    form_url = client.get(reset_link.group(1), follow=True).redirect_chain[-1][0]
    new_password = "een-nieuw-lang-wachtwoord-42"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    assert not client.session.get("_auth_user_id"), "a reset must not log in"
    assert client.get(reverse("home")).status_code == 302

    assert _login(client, world.professional.email, new_password) == reverse("mfa_authenticate")
    assert client.get(reverse("home"))["Location"].startswith(reverse("account_login"))


def test_repeated_wrong_passwords_lock_the_account_for_a_while(world: World, client: Client) -> None:
    for _ in range(5):
        client.post(reverse("account_login"), {"login": world.parent.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": world.parent.email, "password": PASSWORD})
    assert response.status_code == 200, "even the right password is refused during the lock"
    assert not client.session.get("_auth_user_id")


def test_many_login_requests_from_one_address_are_refused(world: World, client: Client) -> None:
    statuses = [
        client.post(reverse("account_login"), {"login": f"x{i}@test.example", "password": "x"}).status_code
        for i in range(31)
    ]
    assert statuses[0] == 200
    assert statuses[-1] == 429


def test_admin_login_goes_through_allauth(world: World, client: Client) -> None:
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    client.force_login(world.parent)
    assert client.get(reverse("admin:login")).status_code == 403


def _age_session(client: Client, *, idle_minutes: float, age_hours: float = 0) -> None:
    session = client.session
    now = time.time()
    session[SESSION_LAST_SEEN] = now - idle_minutes * 60
    session[SESSION_STARTED] = now - max(age_hours * 3600, idle_minutes * 60)
    session.save()


def test_staff_are_logged_out_after_thirty_idle_minutes(world: World, client: Client) -> None:
    client.force_login(world.professional)
    client.get(reverse("home"))
    _age_session(client, idle_minutes=29)
    assert client.get(reverse("home")).status_code == 200
    _age_session(client, idle_minutes=31)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not client.session.get("_auth_user_id")


def test_young_people_keep_their_session_longer_but_not_forever(world: World, client: Client) -> None:
    client.force_login(world.young_person_user)
    client.get(reverse("home"))
    _age_session(client, idle_minutes=31)
    assert client.get(reverse("home")).status_code == 200
    _age_session(client, idle_minutes=10, age_hours=7 * 24 + 1)
    assert client.get(reverse("home")).status_code == 302


def test_demo_login_works_only_in_demo_mode_and_only_for_demo_people(
    world: World, client: Client, settings: Any
) -> None:
    from demo.world import demo_load, email_for

    demo_load(history=False)
    assert client.post(reverse("demo_login"), {"email": world.parent.email}).status_code == 404
    assert client.post(reverse("demo_login"), {"email": email_for("sanne")}).status_code == 302
    client.logout()
    settings.DICHTBIJ_DEMO = False
    assert client.post(reverse("demo_login"), {"email": email_for("sanne")}).status_code == 404
    assert email_for("sanne") not in client.get(reverse("account_login")).content.decode()
