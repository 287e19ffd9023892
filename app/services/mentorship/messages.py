"""The coaching conversation: messages between the pair and the coach's private notes."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from app.errors import Forbidden, Invalid
from app.kit import links
from app.kit.keyset import Order, PageRequest, Slice, sort_key
from app.kit.markdown import render_markdown
from app.models import CoachingMessage, Mentorship, User
from app.services.mentorship.pairs import KIND, other_party, require_open
from app.services.notifications import delivery as notifications
from app.settings import Settings

MESSAGE_MAX_CHARS = 10_000
OLDEST_MESSAGES = Order(sort_key(CoachingMessage.created_at), sort_key(CoachingMessage.id))


def _conversation(mentorship: Mentorship, viewer: User) -> Select[CoachingMessage]:
    """Messages; private notes only for the coach who wrote them."""
    visible: ColumnElement[bool] = CoachingMessage.private.is_(False)
    if viewer.id == mentorship.coach_id:
        visible = or_(visible, CoachingMessage.author_id == viewer.id)
    return select(CoachingMessage).where(CoachingMessage.mentorship_id == mentorship.id, visible)


def conversation(db: Session, mentorship: Mentorship, viewer: User) -> list[CoachingMessage]:
    """Messages oldest first; private notes only for the coach who wrote them."""
    query = _conversation(mentorship, viewer).order_by(*OLDEST_MESSAGES.clauses())
    return list(db.scalars(query).unique())


def conversation_page(
    db: Session, mentorship: Mentorship, viewer: User, page: PageRequest
) -> Slice[CoachingMessage]:
    """A page of ``conversation`` after a cursor."""
    return OLDEST_MESSAGES.scalars(db, _conversation(mentorship, viewer), page)


def post_message(
    db: Session,
    settings: Settings,
    mentorship: Mentorship,
    user: User,
    body: str,
    *,
    private: bool = False,
) -> CoachingMessage:
    """Add a message (Markdown) to the conversation, or a coach's private note."""
    require_open(mentorship)
    if private and user.id != mentorship.coach_id:
        raise Forbidden("Only the coach keeps private notes.")
    body = body.strip()
    if not body or len(body) > MESSAGE_MAX_CHARS:
        raise Invalid(f"Write between 1 and {MESSAGE_MAX_CHARS} characters.", field="body")
    message = CoachingMessage(
        mentorship_id=mentorship.id,
        author_id=user.id,
        body=body,
        body_html=render_markdown(body, "post"),
        private=private,
    )
    db.add(message)
    if not private:
        notifications.notify(
            db,
            settings,
            other_party(mentorship, user),
            KIND,
            f"New coaching message from {user.display_name}",
            links.COACHING.path_for(mentorship_id=mentorship.id),
            body=body[:500],
            actor=user,
        )
    return message
