import os
import subprocess
import sys
from pathlib import Path

from django.test import Client

ROOT = Path(__file__).resolve().parents[3]


def test_security_headers_and_a_csp_without_external_origins(world):
    response = Client().get("/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "http" not in csp and "*" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()


def test_csrf_is_enforced_on_forms(world):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "x", "password": "y"}).status_code == 403


def _start(env_extra: dict) -> subprocess.CompletedProcess:
    """Starts Django in a fresh process with only the given JIUZHU_/DJANGO_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JIUZHU_", "DATABASE_URL"))}
    env.update(env_extra, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); print('started')"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_production_refuses_to_start_without_secrets_from_the_environment():
    missing = _start({"JIUZHU_ENV": "production"})
    assert missing.returncode != 0 and "DJANGO_SECRET_KEY" in missing.stderr
    dev_key = _start({"JIUZHU_ENV": "production",
                      "DJANGO_SECRET_KEY": "dev-only-insecure-secret-key-for-jiuzhu-local-use-0123456789abcdef"})
    assert dev_key.returncode != 0 and "开发密钥" in dev_key.stderr
    full = _start({"JIUZHU_ENV": "production", "DJANGO_SECRET_KEY": "x" * 60,
                   "JIUZHU_FIELD_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "JIUZHU_HASH_KEY": "h",
                   "DJANGO_ALLOWED_HOSTS": "jiuzhu.example.gov.cn", "DATABASE_URL": "sqlite:///var/prod-test.db"})
    assert full.returncode == 0, full.stderr
    assert "started" in full.stdout
