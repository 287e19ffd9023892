"""Odd input answers with a 4xx and a reason, never a 500.

Search text that is only symbols is refused with a reason; symbols around words are ignored.
Numbers from URLs and forms are bounded before they reach the database or ``int``.
"""

from __future__ import annotations

import json

import pytest

from app.kit import numbers
from app.models import Role
from tests.identity.test_api_tokens import bearer, create_token
from tests.learning_support import module_doc, published
from tests.microcredentials.test_authoring_pages import grid
from tests.support import WebClient, make_org, make_user

SYMBOLS = ["*", "(", '"', "%", "\N{SLIGHTLY SMILING FACE}", "'", "\\", ")", "\u200b", "^-:"]


@pytest.fixture
def teacher(web: WebClient, db) -> dict[str, str]:
    """A teacher of an organization with one published module, signed in; an API token."""
    org = make_org(db)
    make_user(db, "t@school.org", org=org, name="Tess Teacher")
    published(db, org)
    web.sign_in("t@school.org")
    return bearer(create_token(web, ["learning:read"]))


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_catalog_search_with_symbols(web: WebClient, teacher, symbol: str) -> None:
    alone = web.get("/modules", params={"q": symbol})
    around = web.get("/modules", params={"q": f"{symbol}exit{symbol} tickets{symbol}"})
    api_alone = web.client.get("/api/v1/modules", params={"q": symbol}, headers=teacher)
    api_around = web.client.get(
        "/api/v1/modules", params={"q": f"{symbol}exit{symbol}"}, headers=teacher
    )
    statuses = [r.status_code for r in (alone, around, api_alone, api_around)]
    assert statuses == [422, 200, 422, 200]
    assert "Search for at least one word or number" in alone.text
    assert api_alone.json()["detail"].startswith("Search for at least one word or number")
    assert "1 module for" in around.text
    assert api_around.json()["total"] == 1


@pytest.mark.parametrize("sequence", ["1" * 26, str(2**31), str(2**63), "-1"])
def test_a_status_list_number_beyond_any_list_is_not_found(web: WebClient, db, sequence) -> None:
    make_org(db)
    response = web.get(f"/status/riverbend/{sequence}")
    assert response.status_code == 404
    assert "There is no such status list" in response.text


DOCUMENT_BOMBS = [
    ("[" * 5000 + "]" * 5000, "nest more than 32 deep"),
    (
        json.dumps({"title": "x", "deep": [[[[[[]]]]]]})[:-1] + ', "n": ' + "9" * 5000 + "}",
        "A number in the file is too long to read",
    ),
    (
        '{"title": "' + "[" * 5000 + '", ' + '"pd_hours": ' + "1" * 5000 + "}",
        "A number in the file is too long to read",
    ),  # brackets inside a string do not count
]


@pytest.mark.parametrize(("document", "reason"), DOCUMENT_BOMBS)
def test_a_module_document_bomb_is_refused_with_a_reason(
    web: WebClient, db, document: str, reason: str
) -> None:
    org = make_org(db)
    make_user(db, "admin@school.org", org=org, role=Role.ADMIN)
    web.sign_in("admin@school.org")
    response = web.post(
        f"/orgs/{org.slug}/modules/import",
        files={"document": ("module.json", document.encode(), "application/json")},
    )
    assert response.status_code == 422
    assert reason in response.text


def test_a_valid_module_document_still_imports(web: WebClient, db) -> None:
    org = make_org(db)
    make_user(db, "admin@school.org", org=org, role=Role.ADMIN)
    web.sign_in("admin@school.org")
    document = json.dumps(module_doc("Exit Tickets That Work"), indent=2)
    response = web.post(
        f"/orgs/{org.slug}/modules/import",
        files={"document": ("module.json", document.encode(), "application/json")},
    )
    assert response.status_code == 303


@pytest.mark.parametrize("min_hours", ["NaN", "sNaN", "Infinity", "1e999999", "-1", "9" * 5000])
def test_an_impossible_hours_filter_is_ignored(web: WebClient, teacher, min_hours: str) -> None:
    response = web.get("/modules", params={"min_hours": min_hours})
    assert response.status_code == 200
    assert "1 module" in response.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("240", 240),
        ("241", None),
        ("\N{SUPERSCRIPT TWO}", None),  # str.isdigit() says yes, int() refuses
        ("\N{ARABIC-INDIC DIGIT THREE}", None),
        ("9" * 5000, None),  # over Python's 4,300-digit conversion limit
        ("-3", None),
        ("+3", None),
        ("", None),
    ],
)
def test_whole_numbers_from_people(text: str, expected: int | None) -> None:
    assert numbers.whole_number(text, 240) == expected


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("validity_months", "\N{SUPERSCRIPT TWO}", "Validity is a whole number of months"),
        ("validity_months", "9" * 5000, "Validity is a whole number of months"),
        ("pass_value", "9" * 30, "The required level must be between 1 and 4"),
        ("pass_value", "9" * 5000, "The pass rule needs a whole number"),
        ("level_points_1", "9" * 5000, "needs a number and whole points"),
    ],
)
def test_micro_credential_numbers_are_checked(
    web: WebClient, db, field: str, value: str, reason: str
) -> None:
    org = make_org(db)
    make_user(db, "admin@school.org", org=org, role=Role.ADMIN)
    web.sign_in("admin@school.org")
    response = web.post(f"/orgs/{org.slug}/micro-credentials/new", grid(**{field: value}))
    assert response.status_code == 422
    assert reason in response.text


@pytest.mark.parametrize("count", ["\N{SUPERSCRIPT TWO}", "9" * 5000])
def test_the_editor_grid_ignores_odd_counts(web: WebClient, db, count: str) -> None:
    org = make_org(db)
    make_user(db, "admin@school.org", org=org, role=Role.ADMIN)
    web.sign_in("admin@school.org")
    form = grid(criterion_count=count, level_count=count, action="add_level")
    response = web.post(f"/orgs/{org.slug}/micro-credentials/new", form)
    assert response.status_code == 200
    assert 'name="level_label_1"' in response.text
