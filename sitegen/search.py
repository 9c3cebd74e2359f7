"""``sitegen search``: search the reading list from the terminal with lunr.

The same engine as the site's search box (lunr.js, here its Python port):
titles weigh most, then topics, then abstracts, so a title match ranks above
a paper that only mentions the words in its abstract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .models import display_path
from .pages import listed, read_pages, tag_names

TITLE_BOOST = 10
TOPIC_BOOST = 4
_SYNTAX = re.compile(r"[:~^+\-*]")  # lunr query syntax, dropped when the query does not parse


@dataclass(frozen=True)
class Hit:
    """One search result."""

    title: str
    topics: tuple[str, ...]
    path: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        """The --json form of a hit."""
        return {"title": self.title, "topics": list(self.topics), "path": self.path,
                "score": round(self.score, 4)}


def search(content: Path, query: str, base: Path, limit: int = 10) -> list[Hit]:
    """The papers of content/ matching a query, best first (hidden papers left out)."""
    from lunr import lunr
    from lunr.exceptions import QueryParseError

    pages, _, _ = read_pages(content / "papers", base)
    shown = {p.slug: p for p in pages if listed(p.meta)}
    documents = [{"id": slug, "title": page.title, "topics": " ".join(tag_names(page.meta)),
                  "abstract": page.abstract} for slug, page in shown.items()]
    if not documents or not query.strip():
        return []
    index = lunr(ref="id", documents=documents, fields=[
        {"field_name": "title", "boost": TITLE_BOOST},
        {"field_name": "topics", "boost": TOPIC_BOOST},
        {"field_name": "abstract", "boost": 1},
    ])
    try:
        results = index.search(query)
    except QueryParseError:
        results = index.search(_SYNTAX.sub(" ", query))
    hits = []
    for result in results[:limit]:
        page = shown[result["ref"]]
        hits.append(Hit(page.title, tag_names(page.meta), display_path(page.path, base), result["score"]))
    return hits
