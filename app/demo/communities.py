"""Demo communities: three active communities with threads, replies, resources and one report."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.kit import counters
from app.models import (
    Community,
    CommunityMember,
    JoinPolicy,
    Organization,
    Post,
    PostReport,
    Thread,
    User,
)
from app.services.communities import membership as communities
from app.services.communities import moderation, resources, threads
from app.settings import Settings


@dataclass(frozen=True)
class DemoThread:
    """A demo question and its answers (author index, text)."""

    author: int
    title: str
    body: str
    replies: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class DemoCommunity:
    """A demo community; people are indexes into the demo accounts (0 admin … 3 teacher)."""

    slug: str
    name: str
    description: str
    policy: JoinPolicy
    grade_band: str
    threads: tuple[DemoThread, ...]
    resources: tuple[tuple[str, str, str], ...]  # title, url, tags


GUIDELINES = (
    "Assume good intent. Share what worked and what did not.\n"
    "Never post student names or identifiable student work.\n"
    "Credit the sources you use."
)
DEMO = (
    DemoCommunity(
        "early-literacy", "Early literacy K-2", "Phonics, read-alouds and small-group reading.",
        JoinPolicy.OPEN, "K-2",
        (
            DemoThread(2, "Decodable texts that kids actually enjoy?",
                       "My first graders lose interest fast. What decodables work for you?",
                       ((3, "Try having them **illustrate** one page each; ownership helps."),
                        (1, "Pair each decodable with a short read-aloud on the same topic."))),
            DemoThread(3, "Tracking phonics progress without drowning in paperwork",
                       "How do you keep weekly checks to five minutes per child?",
                       ((2, "A one-page grid per group, updated during centers."),)),
        ),
        (("Foundational reading skills: IES practice guide",
          "https://ies.ed.gov/ncee/wwc/PracticeGuide/21", "phonics,planning"),
         ("Reading Rockets: read-aloud strategies",
          "https://www.readingrockets.org/", "read-aloud")),
    ),
    DemoCommunity(
        "middle-math", "Middle school math", "Number sense, fractions and productive struggle.",
        JoinPolicy.OPEN, "6-8",
        (
            DemoThread(3, "Warm-ups for ratio reasoning",
                       "Looking for 5-minute openers before the ratio unit.",
                       ((1, "Which one doesn't belong? with four ratio tables works well."),
                        (2, "Estimation 180 has good ones."))),
        ),
        (("Which one doesn't belong? math puzzles", "https://wodb.ca/", "ratios,warm-ups"),
         ("Math practice guides (What Works Clearinghouse)",
          "https://ies.ed.gov/ncee/wwc/PracticeGuides", "number talks")),
    ),
    DemoCommunity(
        "new-teachers", "New teacher circle", "A safe place for first- and second-year teachers.",
        JoinPolicy.REQUEST, "K-12",
        (
            DemoThread(2, "First parent conferences: what to bring?",
                       "My first conferences are next week. What should I prepare?",
                       ((1, "Two strengths, one goal, one way families can help at home."),)),
        ),
        (("Family engagement (U.S. Department of Education)", "https://www.ed.gov/", "families"),),
    ),
)  # fmt: skip


def seed_communities(
    db: Session, settings: Settings, org: Organization, people: list[User]
) -> None:
    """Create the demo communities once (a community that already exists is left alone)."""
    # no new-account posting limit while seeding
    settings = settings.model_copy(update={"community_new_account_days": 0})
    coach = people[1]
    for spec in DEMO:
        exists = db.scalar(
            select(Community.id).where(
                Community.organization_id == org.id, Community.slug == spec.slug
            )
        )
        if exists is not None:
            continue
        community = communities.create_community(
            db, org, coach, slug=spec.slug, name=spec.name, description=spec.description,
            guidelines=GUIDELINES, join_policy=spec.policy, grade_band=spec.grade_band,
        )  # fmt: skip
        joiners = (people[0], people[2], people[3])
        for person in joiners:
            db.add(CommunityMember(community_id=community.id, user_id=person.id))
        counters.add(db, community, Community.member_count, len(joiners))
        _fill(db, settings, org, community, spec, people)
    _report(db, settings, org, people)


def _fill(
    db: Session,
    settings: Settings,
    org: Organization,
    community: Community,
    spec: DemoCommunity,
    people: list[User],
) -> None:
    for item in spec.threads:
        ctx = communities.access(db, org, community.slug, people[item.author])
        thread = threads.create_thread(db, settings, ctx, title=item.title, body=item.body)
        for author, text in item.replies:
            reply_ctx = communities.access(db, org, community.slug, people[author])
            threads.reply(db, settings, reply_ctx, thread.id, body=text)
    for title, url, tags in spec.resources:
        ctx = communities.access(db, org, community.slug, people[1])
        resources.share(db, settings, ctx, title=title, url=url, tags=tags)


def _report(db: Session, settings: Settings, org: Organization, people: list[User]) -> None:
    if db.scalar(select(PostReport.id).join(Community).where(Community.organization_id == org.id)):
        return
    post = db.scalar(
        select(Post)
        .join(Thread)
        .join(Community, Community.id == Thread.community_id)
        .where(Community.organization_id == org.id, Community.slug == "middle-math")
        .where(Post.is_opening.is_(False), Post.author_id != people[3].id)
        .order_by(Post.created_at.desc())
    )
    if post is None:
        return
    ctx = communities.access(db, org, "middle-math", people[3])
    moderation.report(
        db, settings, ctx, post.id, "This links to a paid site; is that allowed here?"
    )
