"""Links to Laurel's own pages, named once: routers declare their routes with these paths and
names, and services build addresses from them (never from hand-written strings), so renaming or
moving a route cannot silently break a link in an e-mail, a notification or a credential."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Link:
    """One route: its name in the app's route table and its path template."""

    name: str
    path: str

    def path_for(self, **params: object) -> str:
        """The path with every placeholder filled (each value quoted as one path segment)."""
        return self.path.format(
            **{key: quote(str(value), safe="") for key, value in params.items()}
        )

    def absolute(self, base_url: str, **params: object) -> str:
        """The full address under the site's base URL."""
        return base_url.rstrip("/") + self.path_for(**params)


EVIDENCE_PUBLIC = Link("evidence_public", "/evidence/{submission_id}/public")

#: Every named link, for the test that checks each against the app's route table.
ALL: tuple[Link, ...] = (EVIDENCE_PUBLIC,)
