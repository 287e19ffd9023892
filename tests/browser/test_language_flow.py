"""A person switches Laurel to Spanish from the footer (no script needed), signs in and sees the
dashboard in Spanish, then switches back; every page passes axe-core in both languages."""

from __future__ import annotations

import re
import uuid

import pytest

from app.models import Role
from tests.browser.conftest import LiveServer, assert_accessible
from tests.support import PASSWORD, make_org, make_user

pytestmark = pytest.mark.browser


def test_switch_to_spanish_sign_in_and_see_the_dashboard(page, live_server: LiveServer) -> None:
    suffix = uuid.uuid4().hex[:8]
    email = f"lucia-{suffix}@browser.example"
    with live_server.sessions() as db:
        org = make_org(db, slug=f"lang-{suffix}", name="Distrito Bilingüe")
        make_user(db, email, org=org, role=Role.TEACHER, name="Lucía Gómez")
        db.commit()
    base = live_server.url
    page.goto(base + "/signin")
    assert page.locator("html").get_attribute("lang") == "en"

    footer = page.get_by_role("navigation", name="Language")
    footer.get_by_role("link", name="Español").click()
    page.wait_for_url(re.compile(r"/signin$"))
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_role("heading", name="Iniciar sesión en Laurel").wait_for()
    assert_accessible(page)

    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión", exact=True).click()
    page.wait_for_url(base + "/")
    assert page.locator("html").get_attribute("lang") == "es"
    nav = page.get_by_role("navigation", name="Principal")
    nav.get_by_role("link", name="Mis credenciales").first.wait_for()
    assert "Le damos la bienvenida, Lucía Gómez." in page.get_by_role("status").first.inner_text()
    assert_accessible(page)

    # the choice stays for the next page, then the footer switches back
    page.goto(base + "/verify")
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_role("navigation", name="Idioma").get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/verify$"))
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("heading", name="Verify a credential").wait_for()
