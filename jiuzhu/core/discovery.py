"""Finds a conventional module (handlers.py, tasks.py, settings_catalog.py, worklist.py, audit_hooks.py, related.py,
references.py, candidate_sources.py) in every installed jiuzhu app, so core reads each app's declarations without
importing the app by name."""

import importlib
from collections.abc import Iterator
from types import ModuleType

from django.apps import apps


def app_modules(name: str) -> Iterator[tuple[str, ModuleType]]:
    """(app name, module) for each jiuzhu app that has `<app>.<name>`, in INSTALLED_APPS order. An app
    without the module is skipped; an import error inside an existing module is raised, not hidden."""
    for config in apps.get_app_configs():
        if not config.name.startswith("jiuzhu."):
            continue
        module_name = f"{config.name}.{name}"
        try:
            yield config.name, importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
