"""``sitegen check``: validate the content folder for curators and CI.

Reads only content/ and topics.yml (no sources) and reports, compiler style:
malformed front matter, unknown tags (with a did-you-mean), papers without a
topic, likely duplicates still on separate pages, broken links between
pages, missing abstracts, and curator keys that name nothing.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from .matching.dedupe import candidate_pairs, compare
from .matching.reconcile import page_evidence, read_overrides
from .models import Diagnostic, display_path
from .pages import Page, entries, listed, read_pages, slug_of, tag_names
from .tagging.learn import held_out_probabilities, learned_for_pages, page_paper
from .tagging.tag import AUTO_TAGS, Matcher, TagSettings, Topic, suggest, term_confidences

LOW_CONFIDENCE = 0.25  # an automatic tag resting on one or two words of the abstract
DISAGREES = 0.2  # a curator tag the classifier, not taught by that page, gives less than this

# Markdown links and images: [text](target) — the target up to white space or ")".
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|#)", re.IGNORECASE)


def _body_line(page: Page, offset: int) -> int:
    return page.text.count("\n", 0, len(page.text) - len(page.body) + offset) + 1


def check_tags(page: Page, topics: list[Topic], shown: str) -> list[Diagnostic]:
    """Tags that look like misspelt topics (other tags are the curator's own); papers with no topic."""
    problems = []
    names = [t.name for t in topics]
    tags = tag_names(page.meta)
    for tag in tags:
        if tag in names:
            continue
        close = difflib.get_close_matches(tag, names, n=1, cutoff=0.75) or [
            n for n in names if n.casefold() == tag.casefold()]
        if close:
            problems.append(Diagnostic("error", shown, f"unknown topic {tag!r} (did you mean {close[0]!r}?)",
                                       line=page.key_line("tags")))
    if page.meta.get("hidden") is not True and not set(tags) & set(names):
        problems.append(Diagnostic("warning", shown, "paper has no topic", line=page.key_line("tags"),
                                   hint="add a topic of topics.yml to its tags, or run `sitegen retag`"))
    return problems


def check_links(page: Page, content: Path, shown: str) -> list[Diagnostic]:
    """Relative links in the page body that point at no file of the content folder."""
    problems = []
    for match in _LINK.finditer(page.body):
        target = match.group(1)
        if _EXTERNAL.match(target):
            continue
        path = target.split("#", 1)[0].split("?", 1)[0]
        if not path:
            continue
        resolved = (page.path.parent / path).resolve()
        candidates = [resolved, resolved.with_suffix(".md"), resolved / "index.md"]
        if not any(c.exists() for c in candidates) or not resolved.is_relative_to(content.resolve()):
            problems.append(Diagnostic("error", shown, f"broken link to {target!r}",
                                       line=_body_line(page, match.start())))
    return problems


def likely_duplicates(pages: list[Page], base: Path) -> list[Diagnostic]:
    """Pages that the matcher would merge, or nearly, but that sit on separate pages."""
    live = [p for p in pages if listed(p.meta)]
    evidence = [page_evidence(p) for p in live]
    distinct = {(p.slug, slug_of(v)) for p in live for v in entries(p.meta.get("distinct_from"))}
    problems = []
    # The build's own blocking: shared identifiers or rare title words, never all pairs.
    for i, j in sorted(candidate_pairs(evidence)):
        a, b = live[i], live[j]
        if (a.slug, b.slug) in distinct or (b.slug, a.slug) in distinct:
            continue
        decision = compare(evidence[i], evidence[j])
        if decision.same:
            problems.append(Diagnostic(
                "warning", display_path(a.path, base),
                f"likely the same paper as {display_path(b.path, base)} ({decision.reason}, "
                f"title {decision.title_score:.0f})", line=1,
                hint=f"merge with `duplicate_of: {b.slug}`, or say `distinct_from: [{b.slug}]`",
            ))
    return problems


def check_confidence(
    pages: list[Page], topics: list[Topic], settings: TagSettings, base: Path,
) -> list[Diagnostic]:
    """Automatic tags of low confidence; curator tags the classifier strongly disagrees with."""
    names = [t.name for t in topics]
    matcher = Matcher(topics)
    # With their keywords: one naming a topic makes that tag certain.
    papers = [page_paper(page) for page in pages]
    curated, texts, learned = learned_for_pages(pages, names, settings.min_examples, papers)
    held_out = held_out_probabilities(texts, curated, names, settings.min_examples) if learned else {}
    problems = []
    for i, page in enumerate(pages):
        if page.meta.get("hidden") is True:
            continue
        shown = display_path(page.path, base)
        paper = papers[i]
        if i in curated:
            probabilities = held_out.get(i, {})
            terms = term_confidences(paper, matcher)
            for tag in curated[i]:
                if tag in probabilities and probabilities[tag] < DISAGREES and not terms.get(tag):
                    problems.append(Diagnostic(
                        "warning", shown, f"tag {tag!r} looks like a slip: the topics learned from your "
                        f"other tags give it {probabilities[tag]:.2f}, and no term of it matches",
                        line=page.key_line("tags"), hint="remove it if it is one; if not, nothing changes"))
            continue
        confidence = {s.topic: s.confidence for s in suggest(paper, matcher, learned[i] if learned else None)}
        memory = page.meta.get(AUTO_TAGS)
        remembered = {str(t) for t in memory} if isinstance(memory, list) else set()
        for tag in tag_names(page.meta):
            if tag in remembered and tag in names and confidence.get(tag, 0.0) < LOW_CONFIDENCE:
                problems.append(Diagnostic(
                    "warning", shown, f"automatic tag {tag!r} has low confidence "
                    f"({confidence.get(tag, 0.0):.2f})", line=page.key_line("tags"),
                    hint="keep it, or replace it by the right topic: the tags you set teach sitegen"))
    return problems


def check_content(
    content: Path, topics: list[Topic], base: Path, settings: TagSettings | None = None,
) -> list[Diagnostic]:
    """Every problem of the content folder, sorted by file and line."""
    pages, _, problems = read_pages(content / "papers", base)
    problems.extend(read_overrides(pages, [], base).problems)
    for page in pages:
        shown = display_path(page.path, base)
        problems.extend(check_tags(page, topics, shown))
        if not page.abstract.strip():
            at = page.body.find("## Abstract")
            problems.append(Diagnostic("warning", shown, "paper has no abstract",
                                       line=_body_line(page, max(at, 0))))
        problems.extend(check_links(page, content, shown))
    problems.extend(likely_duplicates(pages, base))
    problems.extend(check_confidence(pages, topics, settings or TagSettings(), base))
    return sorted(problems, key=lambda d: (d.path, d.line or 0))
