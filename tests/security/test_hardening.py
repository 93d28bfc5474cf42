"""Production settings, login throttling, CSRF, tokens, passwords and the audit trail."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.authtoken.models import Token

from apps.people.models import Person
from tests.factories.people import make_person
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db
ROOT = settings.BASE_DIR


def test_production_settings_pass_check_deploy_without_warnings():
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "q8Z-3vL!pW0r#Tn6yK2@bX9m&Fh4sJ7dC1gV5uN%eA_oR8iY3tM6kP0wQ2zE7xB",
        "ALLOWED_HOSTS": "orgportal.example.cn",
        "FIELD_ENCRYPTION_KEYS": "yTGbbdq2A8gNvXQ0pvX6oYF7c6Vn0xq2fW8N1rJc7wI=",
        "DEBUG": "0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_ENV": "production", "SECRET_KEY": "", "ALLOWED_HOSTS": "x"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0


def test_repeated_login_failures_lock_the_account(settings, tree):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    make_user("target")
    client = Client()
    for _ in range(3):
        client.post("/admin/login/", {"username": "target", "password": "wrong"})
    locked = client.post("/admin/login/", {"username": "target", "password": "Test-pass-2026"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_weak_passwords_are_refused():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("12345678", "password", "abc"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("Xf-消防-2026-强密码")


def test_admin_and_session_api_enforce_csrf(tree):
    user = user_with_role("unit_admin", tree.station, "csrf_user")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    person = make_person(tree.station)
    assert client.post(f"/admin/people/person/{person.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.patch(f"/api/people/{person.pk}/", "{}", content_type="application/json").status_code == 403
    assert Person.objects.filter(pk=person.pk).exists()


def test_api_tokens_can_be_revoked(tree):
    from rest_framework.test import APIClient

    user = user_with_role("viewer", tree.station, "token_user")
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/units/").status_code == 200
    assert client.post("/api/me/revoke-token/").status_code in (200, 204)
    assert client.get("/api/units/").status_code == 401


def test_unauthenticated_api_calls_are_401(tree):
    assert Client().get("/api/people/").status_code == 401


def test_security_headers_are_sent(tree, client):
    response = client.get("/admin/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_uploads_are_not_under_the_static_root():
    assert not str(settings.MEDIA_ROOT).startswith(str(settings.STATIC_ROOT))
    assert settings.MEDIA_URL not in [u for u in [settings.STATIC_URL]]
