"""django-axes (sign-in lockout, see core/auth.py) under a Chinese name in the admin."""

from axes.apps import AppConfig


class AxesConfig(AppConfig):
    verbose_name = "登录防护"
