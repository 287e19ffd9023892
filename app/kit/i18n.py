"""Interface languages: the request's locale, message catalogs, and locale-aware dates and numbers.

The catalogs are ``app/locale/<code>/LC_MESSAGES/messages.po`` (under version control). Each is
compiled in memory the first time it is needed (``create_app`` loads them all at startup, so a
broken catalog stops the server instead of one page), so there is no ``.mo`` file to build or
forget. English is the source language: a message without a translation shows its English text.

The locale is request-scoped: the web layer sets ``current`` for each request; services, e-mails
and templates read it through ``gettext``. See docs/i18n.md.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from markupsafe import Markup, escape

#: The languages Laurel speaks, the organization default first.
SUPPORTED = ("en", "es")
DEFAULT = "en"
#: What each language is called in itself (shown in the language switch).
NAMES = {"en": "English", "es": "Español"}
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
#: English keeps Laurel's day-month-year dates ("12 March 2028"); others use their long form.
DATE_PATTERNS = {"en": "d MMMM y"}

current: ContextVar[str] = ContextVar("laurel_locale", default=DEFAULT)


def current_locale() -> str:
    """The language of the request being served (the default outside a request)."""
    return current.get()


@contextmanager
def using(code: str) -> Iterator[None]:
    """Run a block in ``code`` (an e-mail to someone in their language, a test)."""
    token = current.set(code if code in SUPPORTED else DEFAULT)
    try:
        yield
    finally:
        current.reset(token)


def supported(code: str | None) -> str | None:
    """``code`` when Laurel speaks it (``es-MX`` and ``es_MX`` count as ``es``), else None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].strip().lower()
    return base if base in SUPPORTED else None


def negotiate(accept_language: str | None) -> str | None:
    """The best supported language for an ``Accept-Language`` header, or None."""
    if not accept_language:
        return None
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            wanted.append((-quality, position, tag.strip().replace("-", "_")))
    preferred = [tag for _, _, tag in sorted(wanted)]
    found = Locale.negotiate(preferred, list(SUPPORTED), sep="_") if preferred else None
    return str(found) if found is not None else None


def catalog_path(code: str) -> Path:
    """Where the translations of ``code`` live."""
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(code: str) -> NullTranslations:
    """The compiled catalog of ``code`` (fuzzy entries left out); English needs none."""
    path = catalog_path(code)
    if code == DEFAULT or not path.exists():
        return NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def load_all() -> None:
    """Compile every catalog now (at startup), so a broken one fails early."""
    for code in SUPPORTED:
        translations(code)


def gettext(message: str, **params: Any) -> str:
    """``message`` in the request's language, with ``%(name)s`` placeholders filled."""
    text = translations(current.get()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    """The singular or plural form for ``n`` in the request's language (``%(num)s`` is ``n``)."""
    text = translations(current.get()).ngettext(singular, plural, n)
    return text % {"num": n, **params}


def raw_gettext(message: str) -> str:
    """The translation without filling placeholders (Jinja's newstyle gettext fills them)."""
    return translations(current.get()).gettext(message)


def raw_ngettext(singular: str, plural: str, n: int) -> str:
    """The plural form without filling placeholders (for Jinja's newstyle ngettext)."""
    return translations(current.get()).ngettext(singular, plural, n)


class LazyText(str):
    """A message that reads in the language of whoever is shown it.

    As a ``str`` it is the English text (so logs, JSON error bodies and comparisons stay
    stable); ``str()`` of it, and a template showing it, give the request's language. Services
    raise errors with these instead of English sentences, so a page shows them translated.
    A parameter may itself be lazy (a LazyText, a LocalDate): it is rendered when shown too.
    """

    msgid: str
    plural: str | None
    n: int
    params: Mapping[str, Any]

    def __new__(
        cls,
        msgid: str,
        params: Mapping[str, Any] | None = None,
        plural: str | None = None,
        n: int = 1,
    ) -> LazyText:
        values = dict(params or {})
        with using(DEFAULT):
            english = _render(msgid, plural, n, values)
        text = super().__new__(cls, english)
        text.msgid, text.plural, text.n, text.params = msgid, plural, n, values
        return text

    def __str__(self) -> str:
        return _render(self.msgid, self.plural, self.n, self.params)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __html__(self) -> Markup:
        return escape(str(self))


def _render(msgid: str, plural: str | None, n: int, params: Mapping[str, Any]) -> str:
    catalog = translations(current.get())
    values: dict[str, object] = {k: str(v) for k, v in params.items()}
    if plural is None:
        translated = catalog.gettext(msgid)
    else:
        translated = catalog.ngettext(msgid, plural, n)
        values["num"] = n
    return translated % values if values else translated


def lazy_gettext(message: str, **params: Any) -> LazyText:
    """A message translated when shown, not when made (for errors raised in services)."""
    return LazyText(message, params)


def lazy_ngettext(singular: str, plural: str, n: int, **params: Any) -> LazyText:
    """A plural message translated when shown (``%(num)s`` is ``n``)."""
    return LazyText(singular, params, plural, n)


def text(value: object) -> str:
    """Anything shown to a person, in the request's language (LazyText translated)."""
    return str(value)


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        return None


class LocalDate:
    """A date written as people of the request's language write it, when it is shown."""

    def __init__(self, value: date) -> None:
        self.value = value

    def __str__(self) -> str:
        return format_date(self.value) or ""


def format_date(value: Any, pattern: str | None = None) -> str | None:
    """A date (or ISO 8601 text, or a datetime: its UTC date) in the request's language:
    "12 March 2028", "12 de marzo de 2028"; None when it is not a date."""
    day = _as_date(value)
    if day is None:
        return None
    code = current.get()
    try:
        return dates.format_date(day, pattern or DATE_PATTERNS.get(code, "long"), locale=code)
    except UnknownLocaleError:  # pragma: no cover - SUPPORTED lists known locales
        return day.isoformat()


def format_decimal(value: float | int | None) -> str:
    """A number in the request's language ("1,234.5", "1234,5"); empty for None."""
    if value is None:
        return ""
    return numbers.format_decimal(value, locale=current.get())


def gettext_noop(message: str) -> str:
    """Mark ``message`` for extraction where it is defined; it is translated where shown."""
    return message
