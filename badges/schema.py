"""Validation against the bundled 1EdTech OB 3.0 JSON Schemas (formal and JSON-LD tolerant)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any, Literal

from jsonschema import Draft201909Validator

Variant = Literal["formal", "jsonld"]

ACHIEVEMENT = "ob_v3p0_achievementcredential_schema.json"
ENDORSEMENT = "ob_v3p0_endorsementcredential_schema.json"
PROFILE = "ob_v3p0_profile_schema.json"


@cache
def validator(name: str, variant: Variant = "formal") -> Draft201909Validator:
    """A compiled validator for a bundled schema file."""
    package = "badges.schemas" if variant == "formal" else "badges.schemas.jsonld"
    schema = json.loads(resources.files(package).joinpath(name).read_text("utf-8"))
    return Draft201909Validator(schema)


def schema_for(credential: dict[str, Any]) -> str:
    """The schema file that applies to a credential, chosen by its ``type``."""
    types = credential.get("type")
    types = types if isinstance(types, list) else [types]
    return ENDORSEMENT if "EndorsementCredential" in types else ACHIEVEMENT


def schema_errors(
    credential: dict[str, Any], variant: Variant = "formal", name: str | None = None
) -> list[str]:
    """Readable schema violations (empty when the credential validates)."""
    check = validator(name or schema_for(credential), variant)
    errors = sorted(check.iter_errors(credential), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in errors]
