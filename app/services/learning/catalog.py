"""The module catalog: full-text search with filters, sorting and pages, on either database."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from app.kit import full_text, search_terms
from app.models import Module, ModuleFormat, ModuleStandard, ModuleStatus, Standard, User

PAGE_SIZE = 12
LENGTHS = {"short": (0, 30), "medium": (31, 90), "long": (91, 100_000)}
SORTS = ("relevance", "title", "newest", "shortest", "hours")
MAX_TERMS = 12
TEXT = full_text.Source(  # modules_fts is kept in step with modules.search_text by triggers
    fts5="modules_fts",
    tsvector=full_text.tsvector(Module.search_text),
    fts5_rows=("module_id", Module.id),
)


@dataclass(frozen=True)
class CatalogQuery:
    """What the teacher asked for; every field is optional."""

    q: str = ""
    subject: str = ""
    grade_band: str = ""
    standard: str = ""
    length: str = ""
    format: str = ""
    language: str = ""
    min_hours: Decimal | None = None
    sort: str = "relevance"
    page: int = 1


@dataclass
class CatalogPage:
    """One page of results and what the filters can offer."""

    modules: list[Module]
    total: int
    page: int
    pages: int
    subjects: list[str] = field(default_factory=list)
    grade_bands: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    standards: list[Standard] = field(default_factory=list)


def visible_modules(user: User) -> Select[Module]:
    """Published, current versions in the user's organizations (all, for platform admins)."""
    query = select(Module).where(
        Module.status == ModuleStatus.PUBLISHED, Module.is_current.is_(True)
    )
    if not user.is_platform_admin:
        query = query.where(
            Module.organization_id.in_([m.organization_id for m in user.memberships])
        )
    return query


def _filters(query: Select[Module], q: CatalogQuery) -> Select[Module]:
    if q.subject:
        query = query.where(Module.subject == q.subject)
    if q.grade_band:
        query = query.where(Module.grade_band == q.grade_band)
    if q.language:
        query = query.where(Module.language == q.language)
    if q.format in {f.value for f in ModuleFormat}:
        query = query.where(Module.format == ModuleFormat(q.format))
    if q.length in LENGTHS:
        low, high = LENGTHS[q.length]
        query = query.where(Module.estimated_minutes.between(low, high))
    if q.min_hours is not None:
        query = query.where(Module.pd_hours >= q.min_hours)
    if q.standard:
        query = query.where(
            Module.id.in_(
                select(ModuleStandard.module_id)
                .join(Standard, Standard.id == ModuleStandard.standard_id)
                .where(Standard.code == q.standard)
            )
        )
    return query


def search(db: Session, user: User, q: CatalogQuery) -> CatalogPage:
    """Search and filter the catalog; a bounded number of queries whatever the data size."""
    query = _filters(visible_modules(user), q)
    match = None
    if q.q.strip():  # Invalid when the text holds no word
        match = full_text.match(db, TEXT, search_terms.words(q.q, MAX_TERMS))
        query = match.apply(query)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(q.page, 1), pages)
    sorts: dict[str, list[Any]] = {
        "title": [func.lower(Module.title)],
        "newest": [Module.published_at.desc()],
        "shortest": [Module.estimated_minutes],
        "hours": [Module.pd_hours.desc()],
    }
    order = sorts.get(q.sort, [])
    if not order:
        order = [match.best_first] if match else [func.lower(Module.title)]
    modules = list(
        db.scalars(
            query.options(selectinload(Module.standards))
            .order_by(*order, Module.id)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    result = CatalogPage(modules=modules, total=total, page=page, pages=pages)
    _facets(db, user, result)
    return result


def _facets(db: Session, user: User, page: CatalogPage) -> None:
    base = visible_modules(user).subquery()
    rows = db.execute(select(base.c.subject, base.c.grade_band, base.c.language).distinct()).all()
    page.subjects = sorted({r.subject for r in rows if r.subject})
    page.grade_bands = sorted({r.grade_band for r in rows if r.grade_band})
    page.languages = sorted({r.language for r in rows if r.language})
    page.standards = list(
        db.scalars(
            select(Standard)
            .where(
                Standard.id.in_(
                    select(ModuleStandard.standard_id).join(
                        base, base.c.id == ModuleStandard.module_id
                    )
                )
            )
            .order_by(Standard.code)
        )
    )
