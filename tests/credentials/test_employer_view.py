"""What an employer sees: the public credential page, the /verify results in plain words (the
page and the API's added ``outcome``/``explanation``), badge images, and the QR code's shape."""

from __future__ import annotations

import copy
import json
import re
from datetime import timedelta

import pytest
from lxml import html

from app.db import utcnow
from app.models import Role
from app.services.credentials import verification
from tests.credentials_support import issue_to
from tests.support import WebClient, make_org, make_user

EXPECTED = "Paste an Open Badges 3.0 credential: JSON starting with {"
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def human(when) -> str:
    """How the pages write a date: day, month name, year."""
    return f"{when.day} {when:%B %Y}"


@pytest.fixture
def org(db):
    org = make_org(db, name="Riverbend Unified")
    make_user(db, "ada@riverbend.org", org=org, name="Ada Lovelace")
    make_user(db, "boss@riverbend.org", org=org, role=Role.ADMIN)
    return org


@pytest.fixture
def held(db, settings, org):
    teacher = make_user(db, "grace@riverbend.org", org=org, name="Grace Hopper")
    return issue_to(
        db, settings, org, teacher, valid_until=utcnow() + timedelta(days=500), public=True
    )


def visible(page: str, xpath: str) -> list[str]:
    """The text of each element matching an XPath, whitespace collapsed."""
    return [" ".join(e.text_content().split()) for e in html.fromstring(page).xpath(xpath)]


def css_class(name: str) -> str:
    """XPath test for an element having a class."""
    return f"contains(concat(' ', @class, ' '), ' {name} ')"


TECHNICAL = f"//details[{css_class('technical')}]"
PLAIN_LINES = f"//ul[{css_class('plain-checks')}]/li"


def outside_details(page: str) -> str:
    """The page's main text without what sits behind the "Technical details" disclosure."""
    tree = html.fromstring(page)
    main = tree.xpath("//main")[0]
    for details in main.xpath("." + TECHNICAL):
        details.getparent().remove(details)
    return " ".join(main.text_content().split())


def test_public_page_tells_an_employer_who_what_and_whether_in_plain_words(
    web: WebClient, held
) -> None:
    page = web.get(f"/credentials/{held.id}")
    assert page.status_code == 200
    seen = outside_details(page.text)
    until = f"Valid until {human(held.valid_until)}"
    for phrase in (
        "Held by Grace Hopper",
        "Culturally Responsive Teaching",
        "What it certifies",
        "Plans and teaches lessons that draw on students' cultures.",
        "Criteria",
        "Submit a lesson plan and a reflection",
        "Issued by Riverbend Unified (identity verified)",
        "Not revoked",
        until,
        "Unchanged since it was issued",
        "Valid.",
    ):
        assert phrase in seen, phrase
    assert visible(page.text, "//*[@role='status']/strong") == ["Valid."]
    assert ISO_TIME.search(seen) is None  # timestamps only in the technical details
    assert "did:web" not in seen
    technical = visible(page.text, TECHNICAL)
    assert len(technical) == 1
    assert visible(page.text, TECHNICAL + "/summary") == ["Technical details"]
    assert ISO_TIME.search(technical[0])
    assert held.credential_json["proof"][0]["verificationMethod"] in technical[0]
    assert "Signature (proof)" in technical[0]  # the check codes
    assert "Not revoked (status, active)" in technical[0]
    images = html.fromstring(page.text).xpath(f"//img[{css_class('badge-image')}]")
    assert [(i.get("src"), i.get("alt")) for i in images] == [
        (f"/credentials/{held.id}/image.svg", "")
    ]
    assert len(page.content) < 40_000


def test_public_page_names_nobody_once_the_holder_is_erased(web: WebClient, db, held) -> None:
    held.recipient.deleted_at = utcnow()
    db.commit()
    page = web.get(f"/credentials/{held.id}").text
    assert "Held by" not in page
    assert "Grace Hopper" not in page


def test_badge_images_for_the_wallet_and_the_public_page(web: WebClient, db, held) -> None:
    public = web.get(f"/credentials/{held.id}/image.svg")
    assert public.status_code == 200
    assert public.headers["content-type"].startswith("image/svg+xml")
    assert public.text == held.image_svg
    assert "default-src 'none'" in public.headers["content-security-policy"]
    held.is_public = False
    db.commit()
    assert web.get(f"/credentials/{held.id}/image.svg").status_code == 404
    web.sign_in("ada@riverbend.org")  # not the holder
    assert web.get(f"/wallet/{held.id}/image.svg").status_code == 404
    web.client.cookies.clear()
    web.sign_in("grace@riverbend.org")
    own = web.get(f"/wallet/{held.id}/image.svg")
    assert own.status_code == 200
    assert own.text == held.image_svg
    wallet_page = web.get("/wallet")
    assert len(wallet_page.content) < 40_000  # the images are fetched on their own
    wallet = wallet_page.text
    images = html.fromstring(wallet).xpath(f"//li[{css_class('wallet-card')}]//img")
    assert [(i.get("src"), i.get("alt")) for i in images] == [(f"/wallet/{held.id}/image.svg", "")]
    # the name is right beside the image, so the image is decorative
    card = visible(wallet, f"//li[{css_class('wallet-card')}]//h2")
    assert card == ["Culturally Responsive Teaching"]


def test_qr_code_scales_instead_of_being_cropped(web: WebClient, held) -> None:
    page = web.get(f"/credentials/{held.id}").text
    svg = html.fromstring(page).xpath(f"//figure[{css_class('qr')}]/svg")[0]
    assert re.fullmatch(r"0 0 (\d+) \1", svg.get("viewbox"))
    assert svg.get("width") is None
    assert svg.get("height") is None
    assert svg.get("role") == "img"


def verify_page(web: WebClient, credential, email: str = "") -> tuple[int, str, list[str]]:
    """Status, the headline (role=status) and the plain lines of a /verify submission."""
    answer = web.post("/verify", {"credential": credential, "email": email})
    assert len(answer.content) < 40_000  # light without images
    lines = visible(answer.text, PLAIN_LINES)
    headline = " ".join(visible(answer.text, "//*[@role='status']"))
    return answer.status_code, headline, lines


def api(web: WebClient, credential, email: str | None = None) -> dict:
    answer = web.client.post("/api/v1/verify", json={"credential": credential, "email": email})
    assert answer.status_code == 200
    return answer.json()


def test_a_genuine_credential_reads_as_valid_with_its_facts(web: WebClient, held) -> None:
    status, headline, lines = verify_page(web, held.credential_jwt, "grace@riverbend.org")
    assert status == 200
    assert headline.startswith("Valid.")
    until = f"Valid until {human(held.valid_until)}"
    assert lines == [
        "✓ Issued by Riverbend Unified (identity verified)",
        "✓ Unchanged since it was issued (the signature matches)",
        "✓ Not revoked",
        f"✓ {until}",
        "✓ Issued to the e-mail address you gave",
    ]
    answer = api(web, held.credential_json, "grace@riverbend.org")
    assert (answer["valid"], answer["verdict"], answer["outcome"]) == (True, "valid", "valid")
    assert answer["explanation"]["headline"] == "Valid."
    assert [s["text"] for s in answer["explanation"]["statements"]] == [line[2:] for line in lines]
    assert {c["code"] for c in answer["checks"]} >= {"format", "proof", "issuer", "status"}


def test_wrong_recipient_says_issued_to_someone_else(web: WebClient, held) -> None:
    status, headline, lines = verify_page(web, held.credential_jwt, "ada@riverbend.org")
    assert status == 200
    assert headline.startswith("This credential was issued to someone else.")
    assert "Not valid" not in headline
    assert "✗ This credential was issued to someone else" in lines
    assert "✓ Unchanged since it was issued (the signature matches)" in lines
    answer = api(web, held.credential_jwt, "ada@riverbend.org")
    assert (answer["valid"], answer["verdict"]) == (False, "invalid")  # as before
    assert answer["outcome"] == "issued-to-someone-else"
    recipient = next(c for c in answer["checks"] if c["code"] == "recipient")
    assert recipient["passed"] is False


def test_a_forgery_is_not_valid_and_not_someone_elses(web: WebClient, held) -> None:
    forged = copy.deepcopy(held.credential_json)
    forged["credentialSubject"]["achievement"]["name"] = "Principal Licence"
    status, headline, lines = verify_page(web, json.dumps(forged), "ada@riverbend.org")
    assert status == 200
    assert headline.startswith("Not valid.")
    assert "someone else" not in headline
    assert "✗ Changed or forged: the signature does not match" in lines
    assert api(web, forged)["outcome"] == "altered"


def test_revoked_and_expired_in_plain_words(
    web: WebClient, db, settings, held, monkeypatch
) -> None:
    later = held.valid_until + timedelta(days=1)
    monkeypatch.setattr(verification, "utcnow", lambda: later)
    _, headline, lines = verify_page(web, held.credential_jwt)
    assert headline.startswith(f"Expired. It was valid until {human(held.valid_until)}.")
    assert f"✗ Expired on {human(held.valid_until)}" in lines
    assert api(web, held.credential_jwt)["outcome"] == "expired"
    monkeypatch.undo()
    web.sign_in("boss@riverbend.org")
    web.post(f"/orgs/riverbend/credentials/{held.id}/revoke", {"reason": "Issued in error"})
    web.client.cookies.clear()
    _, headline, lines = verify_page(web, held.credential_jwt)
    assert headline.startswith("Revoked.")
    assert "✗ Revoked by its issuer" in lines
    assert api(web, held.credential_jwt)["outcome"] == "revoked"
    public = web.get(f"/credentials/{held.id}").text
    assert "Revoked by its issuer" in outside_details(public)


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("this is not a credential", "unreadable"),
        ("{ not json", "unreadable"),
        ("[1, 2]", "unreadable"),
        ("aaa.bbb.ccc", "unreadable"),
        ('{"hello": "world"}', "not-a-credential"),
    ],
)
def test_garbage_says_what_was_expected(web: WebClient, held, text, outcome) -> None:
    answer = web.post("/verify", {"credential": text})
    assert answer.status_code == 422
    errors = visible(answer.text, "//*[@id='credential-error']")
    assert len(errors) == 1
    assert EXPECTED in errors[0]
    assert "Expecting" not in answer.text  # no JSON parser message
    assert "line 1 column" not in answer.text
    assert text in visible(answer.text, "//textarea[@id='credential']")[0]  # kept to correct
    body = api(web, text)
    assert (body["valid"], body["verdict"], body["outcome"]) == (False, "invalid", outcome)
    assert EXPECTED in body["explanation"]["detail"]
    assert body["explanation"]["statements"] == []
    assert next(c for c in body["checks"] if c["code"] == "format")["passed"] is False


def test_empty_input_and_a_junk_file_say_what_was_expected(web: WebClient, held) -> None:
    empty = web.post("/verify", {"credential": "  "})
    assert empty.status_code == 422
    assert EXPECTED in visible(empty.text, "//*[@id='credential-error']")[0]
    junk = web.client.post(
        "/verify",
        data={"credential": "", "csrf_token": web.csrf_token()},
        files={"file": ("badge.png", b"\x89PNG junk", "image/png")},
    )
    assert junk.status_code == 422
    assert EXPECTED in visible(junk.text, "//*[@id='file-error']")[0]
