"""Every interface message marked for translation has a complete, usable Spanish entry.

Messages are collected exactly as ``make messages`` collects them (babel.cfg and its keywords),
so each template or module that starts using ``_()`` is covered from then on: a new English
sentence without Spanish fails here."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.kit import i18n

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _keywords() -> dict[str, tuple[int, ...] | None]:
    """The extraction keywords of the Makefile's ``messages`` target, with Babel's defaults."""
    from babel.messages.extract import DEFAULT_KEYWORDS

    makefile = (ROOT / "Makefile").read_text()
    line = next(x for x in makefile.splitlines() if x.startswith("EXTRACT_KEYWORDS"))
    words = shlex.split(line.split(":=", 1)[1])
    keywords: dict[str, tuple[int, ...] | None] = dict(DEFAULT_KEYWORDS)  # type: ignore[arg-type]
    for flag, spec in zip(words[::2], words[1::2], strict=True):
        assert flag == "-k"
        name, _, positions = spec.partition(":")
        keywords[name] = tuple(int(p) for p in positions.split(",")) if positions else None
    return keywords


def extracted() -> dict[str | tuple[str, ...], set[str]]:
    """Each marked message and the files it appears in."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str | tuple[str, ...], set[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=_keywords()
    ):
        found.setdefault(message, set()).add(filename)
    return found


@pytest.fixture(scope="module")
def messages() -> dict[str | tuple[str, ...], set[str]]:
    return extracted()


def test_extraction_covers_the_converted_pages(messages) -> None:
    files = set().union(*messages.values())
    for converted in (
        "templates/base.html",
        "templates/errors/error.html",
        "templates/identity/auth/signin.html",
        "templates/credentials/verify/form.html",
        "templates/credentials/public.html",
        "app/services/credentials/plain_words.py",
        "app/services/identity/accounts.py",
    ):
        assert converted in files, converted
    assert len(messages) > 150


@pytest.mark.parametrize("code", [c for c in i18n.SUPPORTED if c != i18n.DEFAULT])
def test_every_marked_message_has_a_complete_translation(messages, code: str) -> None:
    with i18n.catalog_path(code).open("rb") as source:
        catalog = read_po(source, locale=code)
    assert catalog.num_plurals == 2
    problems = []
    for msgid, files in messages.items():
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        entry = catalog.get(key)
        where = sorted(files)[0]
        if entry is None:
            problems.append(f"{where}: no {code} entry for {msgid!r}")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.fuzzy or not all(strings):
            problems.append(f"{where}: {code} entry for {msgid!r} is fuzzy or empty")
            continue
        sources = msgid if isinstance(msgid, tuple) else (msgid,)
        wanted = set(PLACEHOLDER.findall(" ".join(sources)))
        for translated in strings:
            if set(PLACEHOLDER.findall(translated)) != wanted:
                problems.append(f"{where}: {code} {msgid!r} has other placeholders")
    assert problems == []


def test_catalogs_compile_and_translate() -> None:
    with i18n.using("es"):
        assert i18n.gettext("Sign in") == "Iniciar sesión"
        assert i18n.ngettext("%(num)s minute", "%(num)s minutes", 3) == "3 minutos"
