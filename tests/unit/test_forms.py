"""The form helper: the service's result goes on, a refusal shows the form again (rolled back)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter, Depends, Request, Response
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.errors import AppError, Conflict, Invalid, NotFound, TooManyRequests
from app.models import User
from app.web import forms
from app.web.access import public
from app.web.common import TransactionalRoute, redirect


class Recorder:
    """A page that remembers how it was built."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, status: int, /, *, errors: dict[str, str], **extra: Any) -> Response:
        self.calls.append({"status": status, "errors": errors, **extra})
        return Response("form again", status_code=status)


def refuse(error: Exception) -> Any:
    def action() -> Any:
        raise error

    return action


def test_the_result_goes_to_done_and_the_form_is_not_shown() -> None:
    page = Recorder()
    response = forms.submit(lambda: 41, done=lambda n: Response(str(n + 1)), page=page)
    assert response.body == b"42"
    assert page.calls == []


def test_a_refusal_shows_the_form_in_its_status_with_the_error_beside_its_field() -> None:
    page = Recorder()
    response = forms.submit(
        refuse(Invalid("Too short.", field="title")),
        done=lambda _: pytest.fail("done must not run"),
        page=page,
        values={"title": "ab"},
    )
    assert response.status_code == 422
    assert page.calls == [
        {"status": 422, "errors": {"title": "Too short."}, "values": {"title": "ab"}}
    ]


def test_an_error_naming_no_field_goes_at_the_top() -> None:
    page = Recorder()
    forms.submit(refuse(Conflict("Already done.")), done=lambda _: Response(), page=page)
    assert page.calls == [{"status": 409, "errors": {"_form": "Already done."}}]


def test_passwords_and_client_secrets_are_never_sent_back() -> None:
    page = Recorder()
    values = {"email": "a@b.org", "new_password": "hunter2", "client_secret": "s3cret"}
    forms.submit(refuse(Invalid("No.")), done=lambda _: Response(), page=page, values=values)
    assert page.calls[0]["values"] == {"email": "a@b.org"}


def test_retry_after_is_sent_when_the_error_says_when_to_try_again() -> None:
    response = forms.submit(
        refuse(TooManyRequests("Slow down.", retry_after=90)),
        done=lambda _: Response(),
        page=Recorder(),
    )
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "90"


def test_an_unexpected_error_is_not_shown_as_a_form_error() -> None:
    page = Recorder()
    with pytest.raises(RuntimeError):
        forms.submit(refuse(RuntimeError("bug")), done=lambda _: Response(), page=page)
    assert page.calls == []


@pytest.mark.parametrize(
    ("errors", "error", "expected"),
    [
        (forms.whole_form, Invalid("No.", field="title"), {"_form": "No."}),
        (forms.beside("note"), Invalid("No."), {"note": "No."}),
        (forms.renamed({"password": "new"}), Invalid("No.", field="password"), {"new": "No."}),
        (forms.renamed({"password": "new"}), Invalid("No.", field="email"), {"email": "No."}),
        (forms.renamed({"password": "new"}), Invalid("No."), {"_form": "No."}),
        (forms.prefixed("activity_"), Invalid("No.", field="url"), {"activity_url": "No."}),
        (forms.prefixed("activity_"), NotFound("Gone."), {"_form": "Gone."}),
    ],
)
def test_errors_can_be_placed_where_the_page_shows_them(
    errors: forms.Errors, error: AppError, expected: dict[str, str]
) -> None:
    page = Recorder()
    forms.submit(refuse(error), done=lambda _: Response(), page=page, errors=errors)
    assert page.calls[0]["errors"] == expected


def test_plain_text_answers_with_the_message_only() -> None:
    response = forms.submit(
        refuse(Invalid("Too long.")), done=lambda _: Response(), page=forms.plain_text
    )
    assert (response.status_code, response.body) == (422, b"Too long.")
    assert response.media_type == "text/plain"


def _mount(app: Any) -> None:
    """Routes that write a user, then either go on or are refused."""

    def write(request: Request, email: str) -> User:
        user = User(email=email, display_name="Nia", password_hash="-")
        request.state.db.add(user)
        request.state.db.flush()
        if email.startswith("taken"):
            raise Conflict("That address is taken.", field="email")
        return user

    def signup(request: Request, email: str) -> Response:
        return forms.submit(
            lambda: write(request, email),
            done=lambda user: redirect(request, "/", f"Welcome {user.email}."),
            page=forms.template(request, "identity/auth/signup.html"),
            values={"email": email, "password": "hunter2-secret"},
        )

    def link(request: Request) -> Response:
        return forms.submit(
            refuse(Invalid("This link has expired.")),
            done=lambda _: Response(),
            page=forms.message(request, "identity/auth/link_problem.html"),
        )

    router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(public)])
    router.add_api_route("/forms-test/signup", signup)
    router.add_api_route("/forms-test/link", link)
    app.include_router(router)


def _users(db: Any, email: str) -> int:
    return db.scalar(select(func.count()).select_from(User).where(User.email == email))


def test_a_refused_form_is_shown_again_and_its_writes_are_rolled_back(app: Any, db: Any) -> None:
    _mount(app)
    with TestClient(app) as client:
        response = client.get("/forms-test/signup", params={"email": "taken@school.org"})
    assert response.status_code == 409
    assert "That address is taken." in response.text
    assert 'value="taken@school.org"' in response.text
    assert "hunter2-secret" not in response.text
    assert _users(db, "taken@school.org") == 0


def test_an_accepted_form_goes_on_and_its_writes_are_kept(app: Any, db: Any) -> None:
    _mount(app)
    with TestClient(app, follow_redirects=False) as client:
        response = client.get("/forms-test/signup", params={"email": "new@school.org"})
    assert response.status_code == 303
    assert _users(db, "new@school.org") == 1


def test_a_message_page_says_why(app: Any) -> None:
    _mount(app)
    with TestClient(app) as client:
        response = client.get("/forms-test/link")
    assert response.status_code == 422
    assert "This link has expired." in response.text
