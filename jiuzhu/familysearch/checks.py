"""Deployment checks of family-search push (`manage.py check --deploy`): in production, email push
(settings.PUSH_EMAIL_ENABLED, env JIUZHU_PUSH_EMAIL=1) needs a mail server that sends (an SMTP-style backend and
JIUZHU_EMAIL_HOST) and the portal's public address (JIUZHU_PUBLIC_BASE_URL), or every pushed message fails or
carries a link nobody can open. Off by default in production, so a deployment without mail passes; SMS and
webhook pushes do not depend on these settings."""

from __future__ import annotations

from urllib.parse import urlparse

from django.conf import settings
from django.core.checks import Error, Tags, register

NOT_SENDING = ("console", "locmem", "dummy", "filebased")
LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1", "0.0.0.0"}  # noqa: S104 (a value compared, not bound)


@register(Tags.security, deploy=True)
def push_email_settings(app_configs=None, **kwargs) -> list[Error]:
    if getattr(settings, "ENV", "") != "production" or not getattr(settings, "PUSH_EMAIL_ENABLED", False):
        return []
    problems = []
    backend = str(getattr(settings, "EMAIL_BACKEND", ""))
    if any(word in backend for word in NOT_SENDING) or not getattr(settings, "EMAIL_HOST", ""):
        problems.append(Error(
            "已开启寻亲公告邮件推送（JIUZHU_PUSH_EMAIL=1），但没有配置发信的邮件服务器",
            hint="设置 JIUZHU_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend 和 JIUZHU_EMAIL_HOST，"
                 "或关闭邮件推送（JIUZHU_PUSH_EMAIL=0）", id="familysearch.E001"))
    host = (urlparse(getattr(settings, "PUBLIC_BASE_URL", "")).hostname or "").lower()
    if host in LOCAL_HOSTS:
        problems.append(Error(
            "已开启寻亲公告邮件推送，但门户的公网地址仍是默认值，邮件中的公告和退订链接无法打开",
            hint="设置 JIUZHU_PUBLIC_BASE_URL，如 https://xunqin.example.gov.cn", id="familysearch.E002"))
    return problems
