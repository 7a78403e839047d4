from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Builds the demo world across apps; the only package allowed to import all of them."""

    name = "jiuzhu.demo"
    label = "demo"
    verbose_name = "演示数据"
