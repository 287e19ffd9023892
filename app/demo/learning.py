"""Demo learning content: ISTE standards, twelve published modules and a pathway (idempotent)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import (
    Activity,
    ActivityKind,
    MicroCredential,
    Module,
    ModulePrerequisite,
    Organization,
    Pathway,
)
from app.services.learning import module_io, pathways
from app.services.learning.module_document import ModuleDoc

ISTE = "https://iste.org/standards/educators"
STANDARDS = {
    "ISTE-E-2.1": "Learner",
    "ISTE-E-2.2": "Leader",
    "ISTE-E-2.3": "Citizen",
    "ISTE-E-2.4": "Collaborator",
    "ISTE-E-2.5": "Designer",
    "ISTE-E-2.6": "Facilitator",
    "ISTE-E-2.7": "Analyst",
}

#: Real, stable pages the demo modules point to (official sources, no placeholders).
VIDEOS = "https://www.w3.org/WAI/perspective-videos/"  # captioned, with transcripts
WWC = (
    "What Works Clearinghouse practice guides (IES)",
    "https://ies.ed.gov/ncee/wwc/PracticeGuides",
)
UDL = ("CAST Universal Design for Learning Guidelines", "https://udlguidelines.cast.org/")
WAI = (
    "W3C WAI: Introduction to Web Accessibility",
    "https://www.w3.org/WAI/fundamentals/accessibility-intro/",
)
RESOURCES = {
    "Universal Design for Learning Basics": UDL,
    "Digital Citizenship for Middle School": WAI,
    "Coding Unplugged in the Primary Grades": WAI,
    "Leading Technology Change in Your School": WAI,
    "Supporting Multilingual Learners": (
        "National Clearinghouse for English Language Acquisition (U.S. Department of Education)",
        "https://ncela.ed.gov/",
    ),
}
#: The micro-credential (app/demo/microcredentials.py) each module's evidence task counts toward.
EVIDENCE_FOR = {
    "Formative Assessment in Five Minutes": "Formative Assessment in Practice",
    "Data-Informed Small Groups": "Formative Assessment in Practice",
    "Feedback That Moves Learning Forward": "Formative Assessment in Practice",
    "Digital Citizenship for Middle School": "Digital Citizenship Instruction",
    "Supporting Multilingual Learners": "Culturally Responsive Teaching",
}

# (title, subject, grade band, minutes, PD hours, tags, standards, summary, key idea, prompt)
MODULES: list[tuple[str, str, str, int, str, list[str], list[str], str, str, str]] = [
    (
        "Formative Assessment in Five Minutes",
        "Assessment",
        "6-8",
        45,
        "1.0",
        ["exit tickets", "feedback"],
        ["2.7"],
        "Quick checks for understanding that shape tomorrow's lesson.",
        "An exit ticket asks one question tied to the lesson goal.",
        "Which exit ticket question will you try this week, and why?",
    ),
    (
        "Universal Design for Learning Basics",
        "Inclusion",
        "K-12",
        60,
        "1.5",
        ["udl", "accessibility"],
        ["2.5", "2.6"],
        "Plan lessons with multiple means of engagement, representation and expression.",
        "UDL removes barriers by planning for variability from the start.",
        "Describe one barrier in a recent lesson and how you could design it away.",
    ),
    (
        "Digital Citizenship for Middle School",
        "Digital literacy",
        "6-8",
        40,
        "1.0",
        ["citizenship", "media literacy"],
        ["2.3"],
        "Help students make safe, ethical choices online.",
        "Students judge sources by who made them, why, and what evidence they give.",
        "How will you teach students to check a source before sharing it?",
    ),
    (
        "Collaborative Planning with Colleagues",
        "Professional practice",
        "K-12",
        50,
        "1.0",
        ["collaboration", "plc"],
        ["2.4"],
        "Make shared planning time count with simple protocols.",
        "A protocol gives every voice time and keeps the focus on student work.",
        "Which protocol will you bring to your next team meeting?",
    ),
    (
        "Data-Informed Small Groups",
        "Mathematics",
        "3-5",
        55,
        "1.5",
        ["data", "grouping"],
        ["2.7", "2.6"],
        "Use quick assessment data to form flexible small groups in math.",
        "Groups change as evidence changes; they are never fixed labels.",
        "What data will you use to form your next small groups?",
    ),
    (
        "Project-Based Learning Launch",
        "Science",
        "6-8",
        90,
        "2.0",
        ["pbl", "inquiry"],
        ["2.5", "2.6"],
        "Design an entry event and driving question for a science project.",
        "A driving question is open, engaging and tied to standards.",
        "Draft a driving question for a project you could run this term.",
    ),
    (
        "Literacy Across the Content Areas",
        "English language arts",
        "9-12",
        60,
        "1.5",
        ["reading", "writing"],
        ["2.5"],
        "Support disciplinary reading and writing in every subject.",
        "Each discipline reads differently: scientists, historians and mathematicians"
        " ask different questions of a text.",
        "Which text in your subject would benefit from a guided reading routine?",
    ),
    (
        "Supporting Multilingual Learners",
        "English language development",
        "K-12",
        75,
        "2.0",
        ["ell", "language"],
        ["2.3", "2.6"],
        "Scaffold academic language while keeping rigour high.",
        "Sentence frames and visuals lower the language load without lowering expectations.",
        "Plan one scaffold for a multilingual learner in your class.",
    ),
    (
        "Classroom Discourse That Builds Thinking",
        "Professional practice",
        "3-5",
        45,
        "1.0",
        ["discussion", "questioning"],
        ["2.6"],
        "Talk moves that get students explaining and building on each other's ideas.",
        "Wait time and 'say more' invite deeper answers.",
        "Which talk move will you practise tomorrow?",
    ),
    (
        "Coding Unplugged in the Primary Grades",
        "Computer science",
        "K-2",
        30,
        "0.5",
        ["coding", "computational thinking"],
        ["2.1", "2.5"],
        "Teach sequencing and loops without screens.",
        "Algorithms are step-by-step instructions; children act them out.",
        "Describe an unplugged activity you could run with your class.",
    ),
    (
        "Leading Technology Change in Your School",
        "Leadership",
        "K-12",
        60,
        "1.5",
        ["leadership", "change"],
        ["2.2"],
        "Pilot a tool with colleagues and share what you learn.",
        "Start small, gather evidence, and share results honestly.",
        "What small pilot could you lead this semester?",
    ),
    (
        "Feedback That Moves Learning Forward",
        "Assessment",
        "9-12",
        50,
        "1.0",
        ["feedback", "grading"],
        ["2.7", "2.1"],
        "Give timely, specific feedback students act on.",
        "Feedback works when students have time to use it.",
        "How will you build time for students to act on feedback?",
    ),
]


READING = (
    "## Why it matters\n\n{summary}\n\n**Key idea:** {idea}\n\n"
    "- Try it in one lesson\n- Notice what students do\n- Adjust and try again"
)
STEPS_QUESTION = "Which steps help you improve a new practice? Choose all that apply."


def _doc(
    spec: tuple[str, str, str, int, str, list[str], list[str], str, str, str],
) -> dict[str, Any]:
    title, subject, band, minutes, hours, tags, codes, summary, idea, prompt = spec
    resource = RESOURCES.get(title, WWC)
    return {
        "title": title,
        "summary": summary,
        "subject": subject,
        "grade_band": band,
        "estimated_minutes": minutes,
        "pd_hours": hours,
        "tags": tags,
        "cover_image_url": "/static/img/laurel.svg",
        "standards": [
            {"code": f"ISTE-E-{c}", "name": STANDARDS[f"ISTE-E-{c}"], "url": ISTE} for c in codes
        ],
        "sections": [
            {
                "title": "Learn",
                "activities": [
                    {
                        "kind": "reading",
                        "title": "Key ideas",
                        "body": READING.format(summary=summary, idea=idea),
                    },
                    {
                        "kind": "video",
                        "title": "Watch: how people with disabilities use the web",
                        "body": "Short captioned videos from the W3C Web Accessibility "
                        "Initiative. Keep your own students in mind as you watch.",
                        "url": VIDEOS,
                        "transcript_url": VIDEOS,
                    },
                    {
                        "kind": "resource",
                        "title": resource[0],
                        "url": resource[1],
                        "required": False,
                    },
                ],
            },
            {
                "title": "Apply",
                "activities": [
                    {"kind": "reflection", "title": "Plan your next step", "body": prompt},
                    {
                        "kind": "quiz",
                        "title": "Check your understanding",
                        "pass_mark": 100,
                        "questions": [
                            {
                                "id": "q1",
                                "text": f"Which statement best matches the key idea of “{title}”?",
                                "choices": [
                                    {"id": "a", "text": idea, "correct": True},
                                    {
                                        "id": "b",
                                        "text": "It only matters for students who struggle.",
                                    },
                                    {"id": "c", "text": "It replaces planning."},
                                ],
                            },
                            {
                                "id": "q2",
                                "text": STEPS_QUESTION,
                                "multiple": True,
                                "choices": [
                                    {"id": "a", "text": "Try it in one lesson", "correct": True},
                                    {"id": "b", "text": "Notice what students do", "correct": True},
                                    {"id": "c", "text": "Never change it once started"},
                                ],
                            },
                        ],
                    },
                ]
                + (
                    [
                        {
                            "kind": "evidence",
                            "title": "Show it in your classroom",
                            "body": "Try it with your students, then submit your evidence.",
                            # the micro-credential's name until ``link_evidence_tasks`` runs
                            "evidence_target": EVIDENCE_FOR[title],
                            "required": False,
                        }
                    ]
                    if title in EVIDENCE_FOR
                    else []
                ),
            },
        ],
    }


def seed_learning(db: Session, org: Organization) -> None:
    """Publish the demo modules and pathway once; running again changes nothing."""
    existing = set(db.scalars(select(Module.title).where(Module.organization_id == org.id)))
    published: dict[str, Module] = {}
    for index, spec in enumerate(MODULES):
        if spec[0] in existing:
            continue
        module = module_io.import_module(db, org, None, ModuleDoc.model_validate(_doc(spec)))
        module.status = module.status.PUBLISHED
        module.published_at = utcnow() - timedelta(days=len(MODULES) - index)
        published[module.title] = module
    db.flush()
    if (
        "Feedback That Moves Learning Forward" in published
        and "Formative Assessment in Five Minutes" in published
    ):
        published["Feedback That Moves Learning Forward"].prerequisites.append(
            ModulePrerequisite(
                required_family_id=published["Formative Assessment in Five Minutes"].family_id
            )
        )
    title = "Assessment for Learning"
    if (
        db.scalar(
            select(Pathway.id).where(Pathway.organization_id == org.id, Pathway.title == title)
        )
        is None
    ):
        families = [
            db.scalar(
                select(Module.family_id).where(Module.organization_id == org.id, Module.title == t)
            )
            for t in (
                "Formative Assessment in Five Minutes",
                "Data-Informed Small Groups",
                "Feedback That Moves Learning Forward",
            )
        ]
        pathways.create_pathway(
            db,
            org.id,
            title,
            "Three modules on using evidence of learning to teach better.",
            [f for f in families if f is not None],
        )
    db.flush()


def link_evidence_tasks(db: Session, org: Organization) -> None:
    """Point the demo modules' evidence tasks at their micro-credentials (by family id, as the
    module editor stores them), once those exist; running again changes nothing."""
    families = {
        d.name: str(d.family_id)
        for d in db.scalars(
            select(MicroCredential).where(
                MicroCredential.organization_id == org.id, MicroCredential.is_current.is_(True)
            )
        )
    }
    for activity in db.scalars(
        select(Activity)
        .join(Module, Activity.module_id == Module.id)
        .where(Module.organization_id == org.id, Activity.kind == ActivityKind.EVIDENCE)
    ):
        if activity.evidence_target in families:
            activity.evidence_target = families[activity.evidence_target]
    db.flush()
