"""The production check of email push (familysearch/checks.py) and the switch it relies on (PUSH_EMAIL_ENABLED)."""

import pytest

from jiuzhu.core.errors import DomainError
from jiuzhu.familysearch import push_services as svc
from jiuzhu.familysearch.checks import push_email_settings
from jiuzhu.familysearch.push_channels import EmailChannel, PushFailed, PushMessage


def ids(settings) -> set[str]:
    return {problem.id for problem in push_email_settings()}


def test_production_email_push_needs_a_mail_server_and_the_public_address(settings):
    settings.ENV, settings.PUSH_EMAIL_ENABLED = "production", True
    settings.EMAIL_BACKEND, settings.EMAIL_HOST = "django.core.mail.backends.console.EmailBackend", ""
    settings.PUBLIC_BASE_URL = "http://localhost:8000"
    assert ids(settings) == {"familysearch.E001", "familysearch.E002"}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert ids(settings) == {"familysearch.E001", "familysearch.E002"}  # SMTP without a host
    settings.EMAIL_HOST, settings.PUBLIC_BASE_URL = "smtp.example.gov.cn", "https://xunqin.example.gov.cn"
    assert ids(settings) == set()
    settings.EMAIL_HOST, settings.PUSH_EMAIL_ENABLED = "", False  # switched off: nothing to check
    assert ids(settings) == set()
    settings.ENV, settings.PUSH_EMAIL_ENABLED = "development", True  # the console backend is fine outside production
    assert ids(settings) == set()


@pytest.mark.django_db
def test_email_push_switched_off_takes_no_subscription_and_sends_nothing(settings, world):
    settings.PUSH_EMAIL_ENABLED = False
    with pytest.raises(DomainError, match="暂未开通邮件订阅") as exc:
        svc.push_subscribe(channel="email", address="a@example.cn", radius_km="10", latitude="27.1",
                           longitude="111.0", client_address="10.0.0.1")
    assert exc.value.field == "channel"
    with pytest.raises(PushFailed, match="邮件推送未开通"):
        EmailChannel().send(address="a@example.cn", message=PushMessage(subject="s", text="t", short="t"))
