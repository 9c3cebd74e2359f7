"""Render stage: turn papers into page text (front matter plus a jinja2-rendered body)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import frontmatter
import jinja2
from frontmatter.default_handlers import YAMLHandler

from .models import Paper, SourceRef
from .pages import Page
from .text import escape_html_text

PAPER_TEMPLATE = "paper.html"  # the theme override in overrides/ that lays paper pages out
_YAML_OPTIONS: dict[str, Any] = {"sort_keys": False, "allow_unicode": True, "width": 1000}


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
    )


def paper_front_matter(paper: Paper, added: dt.date) -> dict[str, Any]:
    """Front matter of a new paper page, in the order a curator reads it."""
    meta: dict[str, Any] = {"title": paper.title, "tags": list(paper.tags)}
    meta["links"] = [{"kind": link.kind, "url": link.url} for link in paper.links]
    if paper.listed:
        meta["listed"] = paper.listed
    meta["added"] = added
    meta["sources"] = [ref.as_dict() for ref in paper.sources]
    meta["template"] = PAPER_TEMPLATE
    return meta


def page_text(meta: dict[str, Any], body: str) -> str:
    """A page file: front matter written by python-frontmatter, then the body, newline-ended."""
    text = frontmatter.dumps(frontmatter.Post(body.strip("\n"), **meta), **_YAML_OPTIONS)
    return text + "\n"


def render_new_paper(
    env: jinja2.Environment, paper: Paper, added: dt.date
) -> tuple[dict[str, Any], str]:
    """Front matter and full text of a new paper page."""
    body = env.get_template("paper.md.j2").render(abstract_html=escape_html_text(paper.abstract))
    meta = paper_front_matter(paper, added)
    return meta, page_text(meta, body)


def safe_to_reserialise(page: Page) -> bool:
    """Whether rewriting the front matter loses nothing: no YAML comments could be in it.

    Canonical front matter (as sitegen writes it) is always safe; otherwise a
    "#" anywhere might be a curator's comment, which PyYAML would drop.
    """
    canonical = YAMLHandler().export(page.meta, **_YAML_OPTIONS)
    return canonical.strip() == page.front_matter.strip() or "#" not in page.front_matter


def add_sources(page: Page, refs: tuple[SourceRef, ...]) -> tuple[dict[str, Any], str] | None:
    """Page text with the new provenance entries appended; None when nothing is new.

    Only the ``sources`` list changes: every other key keeps the curator's
    value and order, and the body is kept byte for byte.
    """
    known = page.refs
    new = [ref for ref in refs if ref not in known]
    if not new:
        return None
    meta = dict(page.meta)
    existing = meta.get("sources")
    kept: list[Any] = list(existing) if isinstance(existing, list) else []
    meta["sources"] = kept + [ref.as_dict() for ref in new]
    front = YAMLHandler().export(meta, **_YAML_OPTIONS)
    return meta, f"---\n{front}\n---\n{page.body}"
