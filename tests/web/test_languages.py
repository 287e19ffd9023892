"""English and Spanish: the language each request is answered in (the switch's cookie, else
Accept-Language, else English), the pages translated so far, plural forms and escaping."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from lxml import html

from app.db import utcnow
from app.kit import i18n
from app.web.common import templates
from app.web.language import LANGUAGE_COOKIE
from tests.credentials_support import issue_to
from tests.support import WebClient, make_org, make_user

SPANISH = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}


def lang_of(page: str) -> str | None:
    """The page's ``<html lang>``."""
    return html.fromstring(page).get("lang")


def text_of(page: str, xpath: str = "//main") -> str:
    """The visible text under an element, whitespace collapsed."""
    return " ".join(" ".join(e.text_content().split()) for e in html.fromstring(page).xpath(xpath))


@pytest.fixture
def held(db, settings):
    org = make_org(db, name="Riverbend Unified")
    teacher = make_user(db, "grace@riverbend.org", org=org, name="Grace Hopper")
    return issue_to(
        db, settings, org, teacher, valid_until=utcnow() + timedelta(days=500), public=True
    )


def test_verify_page_answers_in_spanish_for_a_spanish_browser(web: WebClient) -> None:
    page = web.get("/verify", headers=SPANISH)
    assert page.status_code == 200
    assert lang_of(page.text) == "es"
    assert page.headers["content-language"] == "es"
    main = text_of(page.text)
    assert "Verificar una credencial" in text_of(page.text, "//h1")
    assert "No necesita una cuenta." in main
    assert "Texto de la credencial (JSON o JWT)" in main
    assert "Verify a credential" not in main
    assert "Saltar al contenido principal" in text_of(page.text, "//a[@class='skip-link']")


def test_without_a_choice_or_a_header_pages_are_english(web: WebClient) -> None:
    page = web.get("/verify")
    assert page.status_code == 200
    assert lang_of(page.text) == "en"
    assert "Verify a credential" in text_of(page.text, "//h1")


def test_a_language_laurel_does_not_speak_falls_back_to_english(web: WebClient) -> None:
    page = web.get("/verify", headers={"Accept-Language": "fr-FR, de;q=0.8"})
    assert page.status_code == 200
    assert lang_of(page.text) == "en"


def test_verification_results_in_plain_spanish(web: WebClient, held) -> None:
    credential = json.dumps(held.credential_json)
    answer = web.post("/verify", {"credential": credential}, headers=SPANISH)
    assert answer.status_code == 200
    assert lang_of(answer.text) == "es"
    headline = text_of(answer.text, "//*[@role='status']")
    assert headline.startswith("Válida.")
    assert "está vigente" in headline
    lines = text_of(answer.text, "//ul[contains(@class, 'plain-checks')]/li")
    assert "Emitida por Riverbend Unified (identidad verificada)" in lines
    assert "No revocada" in lines
    with i18n.using("es"):
        until = i18n.format_date(held.valid_until)
    assert until is not None
    assert " de " in until
    assert f"Válida hasta el {until}" in lines


def test_an_empty_submission_is_refused_in_spanish(web: WebClient) -> None:
    answer = web.post("/verify", {"credential": "  "}, headers=SPANISH)
    assert answer.status_code == 422
    error = text_of(answer.text, "//*[@id='credential-error']")
    assert error.startswith("No hay nada que verificar. Pegue una credencial Open Badges 3.0")
    assert "Hay un problema" in text_of(answer.text, "//*[@class='error-summary']")


def test_the_verify_api_keeps_english_for_machines(web: WebClient, held) -> None:
    answer = web.client.post(
        "/api/v1/verify", json={"credential": held.credential_json}, headers=SPANISH
    )
    assert answer.status_code == 200
    assert answer.json()["explanation"]["headline"] == "Valid."
    assert "content-language" not in answer.headers


def test_public_credential_page_in_spanish_leaves_the_credential_as_issued(
    web: WebClient, held
) -> None:
    page = web.get(f"/credentials/{held.id}", headers=SPANISH)
    assert page.status_code == 200
    assert lang_of(page.text) == "es"
    main = text_of(page.text)
    with i18n.using("es"):
        issued = i18n.format_date(held.issued_at)
    for phrase in (
        "Titular: Grace Hopper",
        f"Emitida por Riverbend Unified el {issued}.",
        "¿Es auténtica?",
        "Válida.",
        "Compartir",
        "Culturally Responsive Teaching",  # the achievement's name, as issued
    ):
        assert phrase in main, phrase
    assert "Is it genuine?" not in main


def test_sign_in_page_and_its_refusal_in_spanish(web: WebClient, db) -> None:
    make_user(db, "ada@example.org")
    page = web.get("/signin", headers=SPANISH)
    assert page.status_code == 200
    assert lang_of(page.text) == "es"
    assert text_of(page.text, "//h1") == "Iniciar sesión en Laurel"
    assert "Correo electrónico" in text_of(page.text, "//label[@for='email']")
    refused = web.post(
        "/signin", {"email": "ada@example.org", "password": "not the password"}, headers=SPANISH
    )
    assert refused.status_code == 401
    assert "no corresponden a ninguna cuenta" in text_of(refused.text, "//*[@role='alert']")


def test_sign_up_validation_messages_in_spanish(web: WebClient, db) -> None:
    answer = web.post(
        "/signup", {"email": "", "display_name": "Ana", "password": "x"}, headers=SPANISH
    )
    assert answer.status_code == 422
    assert "Escriba su dirección de correo electrónico." in text_of(answer.text, "//main")


def test_the_switch_sets_and_keeps_the_language(web: WebClient) -> None:
    chosen = web.get("/language?lang=es&next=/verify%3Fx%3D1")
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/verify?x=1"
    assert LANGUAGE_COOKIE in chosen.cookies
    for path in ("/verify", "/signin", "/password/forgot"):
        page = web.get(path)
        assert page.status_code == 200
        assert lang_of(page.text) == "es", path
    # the choice beats the browser's header, both ways
    assert lang_of(web.get("/signup", headers={"Accept-Language": "en"}).text) == "es"
    assert web.get("/language?lang=en&next=/signup").status_code == 303
    assert lang_of(web.get("/signup", headers=SPANISH).text) == "en"


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "evil.example"]
)
def test_the_switch_never_leaves_the_site(web: WebClient, target: str) -> None:
    answer = web.client.get(
        "/language", params={"lang": "es", "next": target}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


def test_an_unknown_language_is_refused_and_a_forged_cookie_ignored(web: WebClient) -> None:
    refused = web.get("/language?lang=xx&next=/", headers=SPANISH)
    assert refused.status_code == 404
    assert LANGUAGE_COOKIE not in refused.cookies
    assert "No encontramos esa página" in text_of(refused.text, "//h1")
    web.client.cookies.set(LANGUAGE_COOKIE, "es")  # not signed by Laurel
    assert lang_of(web.get("/verify").text) == "en"


def test_every_page_offers_both_languages_without_javascript(web: WebClient) -> None:
    page = web.get("/password/forgot", headers=SPANISH).text
    links = html.fromstring(page).xpath("//footer//nav[@aria-label='Idioma']//a")
    assert [(a.text_content(), a.get("lang")) for a in links] == [
        ("English", "en"),
        ("Español", "es"),
    ]
    assert links[0].get("href") == "/language?lang=en&next=/password/forgot"
    assert links[1].get("aria-current") == "true"


def test_error_pages_in_spanish(web: WebClient) -> None:
    missing = web.get("/no/such/page", headers=SPANISH)
    assert missing.status_code == 404
    assert lang_of(missing.text) == "es"
    assert text_of(missing.text, "//h1") == "No encontramos esa página"
    assert "No hay nada en esta dirección." in text_of(missing.text)
    assert "Error 404" in text_of(missing.text)


def test_plural_forms_in_both_languages() -> None:
    template = templates.env.from_string('{{ ngettext("%(num)s minute", "%(num)s minutes", n) }}')
    seen = {}
    for code in ("en", "es"):
        with i18n.using(code):
            seen[code] = [template.render(n=n) for n in (1, 2)]
            seen[code].append(str(i18n.lazy_ngettext("%(num)s second", "%(num)s seconds", 5)))
    assert seen == {
        "en": ["1 minute", "2 minutes", "5 seconds"],
        "es": ["1 minuto", "2 minutos", "5 segundos"],
    }


def test_translated_text_still_escapes_what_is_put_into_it() -> None:
    template = templates.env.from_string('{{ _("Credential: <strong>%(name)s</strong>", name=x) }}')
    with i18n.using("es"):
        shown = template.render(x="<script>alert(1)</script>")
    assert shown == "Credencial: <strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>"


def test_lazy_messages_read_in_the_language_they_are_shown_in() -> None:
    message = i18n.lazy_gettext("Use at most %(count)s characters.", count=120)
    assert message == "Use at most 120 characters."  # as a str: the English text
    with i18n.using("es"):
        assert str(message) == "Use como máximo 120 caracteres."
        assert f"{message}" == "Use como máximo 120 caracteres."
    assert json.dumps(message) == '"Use at most 120 characters."'


def test_dates_and_numbers_follow_the_language() -> None:
    day = utcnow().date()
    with i18n.using("en"):
        english = (i18n.format_date(day), i18n.format_decimal(1234.5))
    with i18n.using("es"):
        spanish = (i18n.format_date(day), i18n.format_decimal(1234.5))
    assert english == (f"{day.day} {day:%B %Y}", "1,234.5")
    assert spanish[0] is not None
    assert spanish[0].startswith(f"{day.day} de ")
    assert spanish[1] == "1.234,5"


def test_an_unexpected_error_page_is_in_the_readers_language(app) -> None:
    from fastapi.testclient import TestClient

    def broken() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/broken-for-test", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/broken-for-test", headers=SPANISH)
    assert answer.status_code == 500
    assert lang_of(answer.text) == "es"
    assert text_of(answer.text, "//h1") == "Algo falló de nuestro lado"
    assert "Ocurrió un error inesperado." in text_of(answer.text)


def test_wallet_dates_follow_the_language(web: WebClient, held) -> None:
    web.sign_in("grace@riverbend.org")
    page = web.get("/wallet", headers=SPANISH)
    assert page.status_code == 200
    with i18n.using("es"):
        issued, until = i18n.format_date(held.issued_at), i18n.format_date(held.valid_until)
    expected = f"Emitida por Riverbend Unified el {issued}; válida hasta el {until}."
    assert expected in text_of(page.text)
