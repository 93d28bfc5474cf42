"""Production: static files (the manifest storage must find every file a stylesheet or script
references), the probes, the encryption-key check, a cache outage, the admin's language and the
password hasher."""

import json
import logging
import os
import shutil
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from tests.factories.people import make_person
from tests.factories.talks import make_talk
from tests.factories.units import make_user, user_with_role


def test_collectstatic_succeeds_with_the_production_manifest_storage(tmp_path):
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "q8Z-3vL!pW0r#Tn6yK2@bX9m&Fh4sJ7dC1gV5uN%eA_oR8iY3tM6kP0wQ2zE7xB",
        "ALLOWED_HOSTS": "localhost",
        "STATIC_ROOT": str(tmp_path / "static"),  # not the checkout's: other runs share it
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()


PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "q8Z-3vL!pW0r#Tn6yK2@bX9m&Fh4sJ7dC1gV5uN%eA_oR8iY3tM6kP0wQ2zE7xB",
    "ALLOWED_HOSTS": "orgportal.example.cn",
    "FIELD_ENCRYPTION_KEYS": "yTGbbdq2A8gNvXQ0pvX6oYF7c6Vn0xq2fW8N1rJc7wI=",
}
PROBE = """
import json
from django.test import Client
client = Client(HTTP_HOST="orgportal.example.cn")
health = client.get("/healthz")
print(json.dumps({
    "healthz": health.status_code,
    "body": health.json() if health.get("Content-Type") == "application/json" else None,
    "livez": client.get("/livez").status_code,
    "admin": client.get("/admin/login/").status_code,
}))
"""


def test_healthz_over_plain_http_in_production_answers_200_or_503_in_json_never_a_redirect():
    env = {**os.environ, **PRODUCTION_ENV}
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["healthz"] in (200, 503)
    assert set(answers["body"]) >= {"status", "database", "broker", "encryption_keys"}
    assert answers["livez"] == 200
    assert answers["admin"] == 301, "everything else is still redirected to HTTPS"


@pytest.fixture
def talk(tree):
    talker = user_with_role("secretary", tree.station, "health_talker")
    return make_talk(make_person(tree.station), talker)


@pytest.mark.django_db
def test_health_is_200_when_the_keys_open_the_stored_talk_content(talk):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["encryption_keys"] == "ok"


@pytest.mark.django_db
def test_wrong_keys_make_health_503_and_say_it_is_the_keys(talk, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["encryption_keys"].startswith("error") and "FIELD_ENCRYPTION_KEYS" in body["encryption_keys"]


@pytest.mark.django_db
def test_a_new_key_put_in_front_of_the_old_one_is_healthy(talk, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEYS]
    assert Client().get("/healthz").status_code == 200


@pytest.mark.django_db
def test_a_key_that_is_not_a_fernet_key_is_reported(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert "not a Fernet key" in response.json()["encryption_keys"]


@pytest.mark.django_db
def test_wrong_keys_refuse_the_start_with_a_message_naming_the_setting(talk, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError) as refused:
        call_command("prepare_production", skip_migrate=True)
    assert "FIELD_ENCRYPTION_KEYS" in str(refused.value)
    assert "rotate_talk_keys" in str(refused.value)


@pytest.mark.django_db
def test_static_files_are_collected_once_and_skipped_while_their_sources_are_unchanged(
    settings, tmp_path, capsys
):
    from apps.core.management.commands.prepare_production import Command

    settings.STATIC_ROOT = tmp_path / "static"
    Command().collect_static(force=False)
    assert "static files collected" in capsys.readouterr().out
    Command().collect_static(force=False)
    assert "collectstatic skipped" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_api_answers_in_json_when_the_cache_is_unreachable(tree, api, settings, caplog, monkeypatch):
    from apps.core.api import throttling

    monkeypatch.setattr(throttling, "_last_logged", [0.0])
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    client = api(user_with_role("unit_admin", tree.station, "throttled_user"))
    with caplog.at_level(logging.WARNING, logger="orgportal.api.throttling"):
        response = client.get("/api/people/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "throttling skipped" in caplog.text


@pytest.mark.django_db
def test_the_admin_speaks_chinese_to_an_english_browser():
    response = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/admin/login/")
    text = response.content.decode()
    assert 'lang="zh-hans"' in text
    assert "登录" in text and "Log in" not in text


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2id_and_old_pbkdf2_hashes_still_log_in(settings):
    pytest.importorskip("argon2")
    from django.contrib.auth.hashers import make_password

    from orgportal import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user = make_user("hash_upgrade")
    user.password = make_password("Old-pass-2026!", hasher="pbkdf2_sha256")
    user.save()
    assert user.check_password("Old-pass-2026!")
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason="no Chromium: run `make browser-deps` (apt chromium)"
)
def test_the_admin_the_workbench_and_both_api_docs_work_under_the_content_security_policy(tree, live_server):
    """No CSP violation and no request leaves the site (Redoc used to fetch Google Fonts)."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the sync Playwright API runs an event loop
    from playwright.sync_api import sync_playwright

    user = user_with_role("unit_admin", tree.det, "csp_admin")
    user.set_password("Test-pass-2026")
    user.save()
    violations, outside = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(locale="en-US")
            page.on(
                "console",
                lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
            )
            page.on(
                "request",
                lambda r: (
                    outside.append(r.url)
                    if not r.url.startswith((live_server.url, "data:", "blob:"))
                    else None
                ),
            )
            page.goto(f"{live_server.url}/admin/login/?next=/admin/")
            assert "登录" in page.content()
            page.fill("#id_username", "csp_admin")
            page.fill("#id_password", "Test-pass-2026")
            page.click("input[type=submit]")
            page.wait_for_load_state("networkidle")
            for path, ready in [
                ("/admin/", "#content"),
                ("/admin/people/person/add/", "form"),
                ("/", "body"),
                ("/api/docs/", ".swagger-ui .info"),
                ("/api/redoc/", "[role=navigation], .menu-content"),
            ]:
                page.goto(f"{live_server.url}{path}")
                page.wait_for_selector(ready, timeout=30000)
                page.wait_for_load_state("networkidle")
        finally:
            browser.close()
    # Redoc's bundle always tries its "API docs by Redocly" logo from cdn.redoc.ly; the policy
    # blocks it (nothing is fetched from the internet) and Redoc hides the broken image.
    expected = "https://cdn.redoc.ly/redoc/logo-mini.svg"
    assert [v for v in violations if expected not in v] == []
    assert [url for url in outside if url != expected] == []


@pytest.mark.django_db
def test_every_install_has_the_reference_data_of_the_fixtures_directory():
    from apps.commendations.models import AwardKind
    from apps.core import reference
    from apps.evaluations.models import Criterion, Scheme
    from apps.reports.models import DeliberationItem, DeliberationList

    assert set(AwardKind.objects.values_list("code", flat=True)) >= {
        row["code"] for row in reference.rows("award_kinds")
    }
    lists = reference.rows("deliberation_lists")
    assert DeliberationList.objects.count() == len(lists)
    assert DeliberationItem.objects.count() == sum(len(row["items"]) for row in lists)
    schemes = reference.rows("evaluation_schemes")
    assert set(Scheme.objects.values_list("code", flat=True)) == {row["code"] for row in schemes}
    wartime = Scheme.objects.get(code="wartime")
    assert Criterion.objects.filter(scheme=wartime).count() == 4
    assert wartime.evaluator_roles.count() == 3


@pytest.mark.django_db
def test_loading_the_reference_data_again_keeps_an_administrators_edit_and_restores_a_deleted_row():
    from apps.commendations.models import AwardKind

    AwardKind.objects.filter(code="commendation").update(notice_days=9)
    AwardKind.objects.filter(code="circular_praise").delete()
    call_command("load_reference_data")
    assert AwardKind.objects.get(code="commendation").notice_days == 9
    assert AwardKind.objects.filter(code="circular_praise").exists()
