"""The wallet, downloads, public pages and the employer verification API and page."""

from __future__ import annotations

import json
import re

import pytest

from app.models import Role
from badges import unbake
from tests.credentials_support import issue_to
from tests.identity.test_api_tokens import create_token
from tests.support import WebClient, make_org, make_user


@pytest.fixture
def held(db, settings):
    org = make_org(db)
    make_user(db, "boss@riverbend.org", org=org, role=Role.ADMIN)
    teacher = make_user(db, "ada@riverbend.org", org=org, name="Ada Lovelace")
    make_user(db, "grace@riverbend.org", org=org)
    return issue_to(db, settings, org, teacher)


def verify_json(web: WebClient, credential, email=None, headers=None):
    return web.client.post(
        "/api/v1/verify", json={"credential": credential, "email": email}, headers=headers or {}
    )


def test_wallet_lists_and_downloads_every_form(web: WebClient, db, held) -> None:
    web.sign_in("ada@riverbend.org")
    page = web.get("/wallet")
    assert "Culturally Responsive Teaching" in page.text
    assert "private" in page.text
    as_json = web.get(f"/wallet/{held.id}/download/json")
    assert as_json.headers["content-type"].startswith("application/vc+ld+json")
    assert json.loads(as_json.content)["id"] == held.credential_json["id"]
    assert web.get(f"/wallet/{held.id}/download/jwt").text == held.credential_jwt
    png = web.get(f"/wallet/{held.id}/download/png")
    assert png.content.startswith(b"\x89PNG")
    assert json.loads(unbake(png.content))["id"] == held.credential_json["id"]
    svg = web.get(f"/wallet/{held.id}/download/svg")
    assert b"openbadges:credential" in svg.content
    assert web.get(f"/wallet/{held.id}/download/gif").status_code == 404


def test_nobody_else_reaches_a_wallet_item(web: WebClient, db, held) -> None:
    web.sign_in("grace@riverbend.org")
    assert web.get(f"/wallet/{held.id}/download/json").status_code == 404
    assert web.post(f"/wallet/{held.id}/visibility", {"public_page": "1"}).status_code == 404
    assert "Culturally" not in web.page("/wallet")
    web.client.cookies.clear()
    assert web.get(f"/wallet/{held.id}/download/json").status_code == 303  # to sign-in


def test_public_page_only_after_publishing(web: WebClient, db, held) -> None:
    url = f"/credentials/{held.id}"
    assert web.get(url).status_code == 404
    assert web.get(url, headers={"Accept": "application/ld+json"}).status_code == 404
    web.sign_in("ada@riverbend.org")
    web.post(f"/wallet/{held.id}/visibility", {"public_page": "1"})
    web.client.cookies.clear()
    page = web.get(url)
    assert page.status_code == 200
    assert "Valid." in page.text
    assert "Riverbend" in page.text
    assert "<svg" in page.text
    assert "QR code" in page.text
    linkedin = re.search(r'href="(https://www.linkedin.com/profile/add\?[^"]+)"', page.text)
    assert linkedin
    assert "certId=" in linkedin.group(1)
    assert "organizationName=Riverbend" in (linkedin.group(1))
    machine = web.get(url, headers={"Accept": "application/ld+json"})
    assert machine.json() == held.credential_json


def test_verify_api_accepts_json_jwt_and_baked_images(web: WebClient, db, held) -> None:
    for credential in (held.credential_json, held.credential_jwt):
        answer = verify_json(web, credential, "ada@riverbend.org").json()
        assert answer["valid"] is True
        assert answer["verdict"] == "valid"
        assert {c["code"] for c in answer["checks"]} >= {
            "format",
            "schema",
            "proof",
            "issuer",
            "known-issuer",
            "status",
            "recipient",
        }
        assert answer["summary"]["issuer_name"] == "Riverbend"
    web.sign_in("ada@riverbend.org")
    png = web.get(f"/wallet/{held.id}/download/png").content
    svg = web.get(f"/wallet/{held.id}/download/svg").content
    for name, content, media in (("b.png", png, "image/png"), ("b.svg", svg, "image/svg+xml")):
        uploaded = web.client.post("/api/v1/verify", files={"file": (name, content, media)})
        assert uploaded.json()["valid"] is True, uploaded.json()


@pytest.mark.parametrize(
    "body", [{"credential": "not a credential"}, {"credential": {"type": ["Nonsense"]}}]
)
def test_malformed_credentials_fail_the_format_check(web: WebClient, db, held, body):
    answer = web.client.post("/api/v1/verify", json=body)
    assert answer.status_code == 200
    assert answer.json()["valid"] is False
    format_check = next(c for c in answer.json()["checks"] if c["code"] == "format")
    assert format_check["passed"] is False
    assert format_check["message"]


def test_bad_requests_get_4xx_with_reasons(web: WebClient, db, held) -> None:
    assert web.client.post("/api/v1/verify", json={}).status_code == 422
    assert web.client.post("/api/v1/verify", json={"credential": "  "}).status_code == 422
    assert (
        web.client.post(
            "/api/v1/verify", content=b"x", headers={"content-type": "text/csv"}
        ).json()["error"]
        == "invalid"
    )
    garbage = web.client.post("/api/v1/verify", files={"file": ("x.png", b"\x89PNG junk")})
    assert garbage.status_code == 200
    assert any(c["code"] == "format" and c["passed"] is False for c in garbage.json()["checks"])


def test_batch_verifies_each_item(web: WebClient, db, settings, held) -> None:
    items = [{"credential": held.credential_json}, {"credential": "garbage"}]
    answer = web.client.post("/api/v1/verify/batch", json={"items": items}).json()
    assert [r["valid"] for r in answer["results"]] == [True, False], [
        c for c in answer["results"][0]["checks"] if c["passed"] is not True
    ]
    assert answer["valid_count"] == 1
    settings.verify_max_batch = 1
    too_many = web.client.post("/api/v1/verify/batch", json={"items": items})
    assert too_many.status_code == 422
    assert "at most 1" in too_many.json()["detail"]


def test_anonymous_callers_are_rate_limited_and_keys_raise_the_limit(
    web: WebClient, db, settings, held
) -> None:
    settings.verify_rate_limit_per_minute = 2
    for _ in range(2):
        assert verify_json(web, held.credential_jwt).status_code == 200
    limited = verify_json(web, held.credential_jwt)
    assert limited.status_code == 429
    assert limited.json()["error"] == "too_many_requests"
    assert int(limited.headers["retry-after"]) > 0
    web.sign_in("boss@riverbend.org")
    token = create_token(web, ["verify"])
    keyed = verify_json(web, held.credential_jwt, headers={"Authorization": f"Bearer {token}"})
    assert keyed.status_code == 200
    bad_key = verify_json(web, held.credential_jwt, headers={"Authorization": "Bearer lrl_nope"})
    assert bad_key.status_code == 401


def test_verify_page_in_plain_words(web: WebClient, db, held) -> None:
    assert "Verify a credential" in web.get("/verify").text
    valid = web.post("/verify", {"credential": held.credential_jwt, "email": "ada@riverbend.org"})
    assert valid.status_code == 200
    assert "Valid." in valid.text
    assert "Recipient matches" in valid.text
    invalid = web.post("/verify", {"credential": '{"hello": "world"}'})
    assert invalid.status_code == 422
    assert "not an Open Badges credential" in invalid.text
    empty = web.post("/verify", {"credential": ""})
    assert empty.status_code == 422
    assert "Paste an Open Badges 3.0 credential" in empty.text


def test_revoked_credential_page_says_revoked(web: WebClient, db, settings, held) -> None:
    held.is_public = True
    db.commit()
    web.sign_in("boss@riverbend.org")
    web.post(f"/orgs/riverbend/credentials/{held.id}/revoke", {"reason": "Issued in error"})
    web.client.cookies.clear()
    assert "Revoked." in web.get(f"/credentials/{held.id}").text
    assert "Revoked." in web.post("/verify", {"credential": held.credential_jwt}).text
