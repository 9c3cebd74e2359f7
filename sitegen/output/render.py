"""Render stage: turn papers into page text (front matter plus a jinja2-rendered body)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

import jinja2

from .. import yamltext
from ..models import Citation, Paper, SourceRef
from ..pages import Page, source_ref
from ..tagging.tag import AUTO_TAGS, Matcher, TagSettings, tag_paper
from ..text import escape_html_text

PAPER_TEMPLATE = "paper.html"  # the packaged layout of paper pages (sitegen/theme/paper.html)


def environment() -> jinja2.Environment:
    """The jinja2 environment of sitegen's page templates.

    Autoescaping is off because the output is Markdown, not HTML: every
    untrusted value is escaped in Python (escape_markdown / escape_html_text)
    before it reaches a template.
    """
    return jinja2.Environment(
        loader=jinja2.PackageLoader("sitegen", "templates"),
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=False,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # templates do not change during a build: no stat() per page rendered
    )


# Front-matter keys of a paper's citation, named so that the readers take them back.
CITATION_KEYS = (("volume", "volume"), ("issue", "number"), ("pages", "pages"), ("entry_type", "kind"))


def citation_fields(citation: Citation) -> dict[str, str]:
    """A citation's known parts under their front-matter (and export) keys."""
    return {key: value for key, attr in CITATION_KEYS if (value := getattr(citation, attr))}


def citation_of_meta(meta: dict[str, Any]) -> Citation:
    """A citation from front matter, read defensively (a curator may write `volume: 116`)."""
    def text(key: str) -> str | None:
        value = meta.get(key)
        known = isinstance(value, str | int) and not isinstance(value, bool) and value != ""
        return str(value) if known else None
    return Citation(**{attr: text(key) for key, attr in CITATION_KEYS})


def bibliographic_fields(paper: Paper) -> dict[str, Any]:
    """The fields sitegen knows of a paper beyond its title: authors, year, venue, identifiers."""
    fields: dict[str, Any] = {}
    if paper.authors:
        fields["authors"] = list(paper.authors)
    if paper.year:
        fields["year"] = paper.year
    if paper.venue:
        fields["venue"] = paper.venue
    fields.update(citation_fields(paper.citation))
    if paper.published:
        fields["published"] = paper.published
    if paper.arxiv:
        fields["arxiv"] = paper.arxiv
    if paper.doi:
        fields["doi"] = paper.doi
    if paper.upvotes is not None:
        fields["upvotes"] = paper.upvotes
    return fields


def paper_front_matter(paper: Paper, added: dt.date, hidden: bool = False) -> dict[str, Any]:
    """Front matter of a new paper page, in the order a curator reads it."""
    meta: dict[str, Any] = {"title": paper.title}
    if hidden:
        meta["hidden"] = True
    meta.update(bibliographic_fields(paper))
    meta["tags"] = list(paper.tags)
    # What the topic matcher gave, so `sitegen retag` can tell the curator's tag edits from its own.
    meta[AUTO_TAGS] = list(paper.tags)
    if paper.keywords:  # all of them, also those naming a tag: retag and check read the tags' grounds here
        meta["keywords"] = list(paper.keywords)
    meta["links"] = [{"kind": link.kind, "url": link.url} for link in paper.links]
    if paper.listed:
        meta["listed"] = paper.listed
    meta["added"] = added
    meta["sources"] = [ref.as_dict() for ref in paper.sources]
    meta["template"] = PAPER_TEMPLATE
    return meta


def page_text(meta: dict[str, Any], body: str) -> str:
    """A page file as python-frontmatter writes it (front matter, blank line, body), newline-ended."""
    content = body.strip("\n")
    return f"---\n{yamltext.dump(meta)}\n---\n\n{content}".rstrip() + "\n"


def render_new_paper(
    env: jinja2.Environment, paper: Paper, added: dt.date, hidden: bool = False,
) -> tuple[dict[str, Any], str]:
    """Front matter and full text of a new paper page."""
    body = env.get_template("paper.md.j2").render(abstract_html=escape_html_text(paper.abstract))
    meta = paper_front_matter(paper, added, hidden)
    return meta, page_text(meta, body)


@functools.cache
def _shared_environment() -> jinja2.Environment:
    return environment()


# The topic matcher, the tag settings, the day the pages are added, every (paper, hidden) job, and
# the classifier's topic probabilities for each job's paper (None: no topic is learned yet).
RenderJobs = tuple[Matcher, TagSettings, dt.date, Sequence[tuple[Paper, bool]],
                   Sequence[dict[str, float]] | None]


def render_range(shared: RenderJobs, span: range) -> list[tuple[dict[str, Any], str]]:
    """Tag some new papers and render their pages: front matter and text (run in worker processes).

    `span` says which of the jobs of `shared` to do.
    """
    matcher, settings, added, jobs, learned = shared
    env = _shared_environment()
    return [render_new_paper(env, tag_paper(jobs[i][0], matcher, settings, learned[i] if learned else None),
                             added, jobs[i][1]) for i in span]


def safe_to_reserialise(page: Page) -> bool:
    """Whether rewriting the front matter loses nothing: no YAML comments could be in it.

    Canonical front matter (as sitegen writes it) is always safe; otherwise a
    "#" anywhere might be a curator's comment, which PyYAML would drop.
    """
    if "#" not in page.front_matter:  # the common case, known without writing the YAML out
        return True
    return yamltext.dump(page.meta).strip() == page.front_matter.strip()


def update_page(
    page: Page, refs: tuple[SourceRef, ...], drop: frozenset[tuple[str, int]] = frozenset(),
    fill: Paper | None = None,
) -> tuple[dict[str, Any], str] | None:
    """Page text with new provenance entries, split-off records removed and missing fields filled.

    Only ``sources`` changes, plus bibliographic keys (authors, year, venue,
    identifiers) the page does not have at all: a key the curator set, even to
    an empty value, is theirs. The body is kept byte for byte. None when
    nothing changes.
    """
    known = {(r.file, r.record) for r in page.refs}
    new = list({(r.file, r.record): r for r in refs if (r.file, r.record) not in known}.values())
    existing = page.meta.get("sources")
    kept: list[Any] = list(existing) if isinstance(existing, list) else []
    if drop:
        kept = [e for e in kept if not ((ref := source_ref(e)) and (ref.file, ref.record) in drop)]
    missing = {k: v for k, v in bibliographic_fields(fill).items() if k not in page.meta} if fill else {}
    if not new and not missing and len(kept) == len(existing if isinstance(existing, list) else []):
        return None
    return set_fields(page, {**missing, "sources": kept + [ref.as_dict() for ref in new]}, before="sources")


def set_fields(
    page: Page, fields: dict[str, Any], after: str | None = None, before: str | None = None,
) -> tuple[dict[str, Any], str]:
    """Page text with some front-matter keys set, the rest in the curator's order; body kept.

    Keys the page lacks go right after ``after`` or right before ``before``
    (at the end when that key is absent).
    """
    meta: dict[str, Any] = {}
    pending = {k: v for k, v in fields.items() if k not in page.meta}
    for key, value in page.meta.items():
        if key == before:
            meta.update(pending)
            pending = {}
        meta[key] = fields.get(key, value)
        if key == after:
            meta.update(pending)
            pending = {}
    meta.update(pending)
    return meta, f"---\n{yamltext.dump(meta)}\n---\n{page.body}"
