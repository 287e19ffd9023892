"""The lock files pin every dependency that pyproject.toml pins, at the same version."""

from __future__ import annotations

import re
import tomllib

from tests.paths import ROOT

PIN = re.compile(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^\s;#]+)")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def _pins(lines: list[str]) -> dict[str, str]:
    found = (PIN.match(line.strip()) for line in lines)
    return {_name(m.group(1)): m.group(2) for m in found if m}


def _lock(name: str) -> dict[str, str]:
    return _pins((ROOT / name).read_text("utf-8").splitlines())


def test_every_pyproject_pin_is_locked_at_the_same_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    runtime = _pins(project["dependencies"])
    dev = _pins(project["optional-dependencies"]["dev"])
    assert len(runtime) == len(project["dependencies"])  # every runtime dependency is pinned
    assert len(dev) == len(project["optional-dependencies"]["dev"])
    runtime_lock, dev_lock = _lock("requirements.lock"), _lock("requirements-dev.lock")
    assert {n: runtime_lock.get(n) for n in runtime} == runtime
    assert {n: dev_lock.get(n) for n in runtime | dev} == runtime | dev
    assert len(runtime_lock) > len(runtime)  # transitive dependencies are pinned too


def test_the_runtime_lock_agrees_with_the_development_lock() -> None:
    runtime_lock, dev_lock = _lock("requirements.lock"), _lock("requirements-dev.lock")
    assert {n: dev_lock.get(n) for n in runtime_lock} == runtime_lock
