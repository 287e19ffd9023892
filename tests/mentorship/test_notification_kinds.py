"""Every notification kind registered anywhere in the services is known once the app is built,
so the e-mail preferences page and the bell cover it (a kind registers when its service is
imported; one that no route imports would silently be missing from the preferences page)."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import importlib, json, pkgutil
import app.main, app.services
from app.services.notifications.delivery import KINDS
with_app = sorted(KINDS)
for module in pkgutil.iter_modules(app.services.__path__):
    importlib.import_module(f"app.services.{module.name}")
print(json.dumps([with_app, sorted(KINDS)]))
"""


def test_every_registered_kind_is_loaded_by_the_app() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True
    )
    with_app, everywhere = json.loads(result.stdout.strip().splitlines()[-1])
    assert "coaching" in with_app
    assert with_app == everywhere
