"""Tag stage: load the topic taxonomy and tag papers with the topics they match."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from .models import Diagnostic, Paper
from .text import slugify

MAX_TOPICS_PER_PAPER = 3
TITLE_WEIGHT = 3
MIN_SCORE = 2  # a title match alone, or two different terms in the abstract


@dataclass(frozen=True)
class Topic:
    """A topic of the taxonomy: its tag name, page slug, description and match terms."""

    name: str
    slug: str
    description: str
    terms: tuple[str, ...]


def _term_regex(term: str) -> str:
    """A term matches as whole words; a trailing * matches any word ending."""
    words = term.lower().split()
    parts = [re.escape(w.rstrip("*")) + (r"\w*" if w.endswith("*") else "") for w in words]
    return r"\b" + r"[\s-]+".join(parts) + r"\b"


def _node_line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def load_topics(path: Path, display: str) -> tuple[list[Topic], list[Diagnostic]]:
    """Read topics.yml, reporting every problem with its line; bad topics are left out."""
    problems: list[Diagnostic] = []

    def problem(message: str, node: yaml.Node | None, hint: str | None = None) -> None:
        line = _node_line(node) if node is not None else None
        problems.append(Diagnostic("error", display, message, line=line, hint=hint))

    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except OSError as exc:
        problem(f"cannot read the topic taxonomy: {exc.strerror}", None)
        return [], problems
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problems.append(Diagnostic("error", display, f"invalid YAML: {exc}", line=line))
        return [], problems
    items = root
    if isinstance(root, yaml.MappingNode):
        items = next((v for k, v in root.value if k.value == "topics"), None)
    if not isinstance(items, yaml.SequenceNode):
        problem("expected a list of topics under 'topics:'", root,
                "see the topics.yml shipped with sitegen for the format")
        return [], problems

    topics: list[Topic] = []
    seen: dict[str, int] = {}
    for number, node in enumerate(items.value, start=1):
        if not isinstance(node, yaml.MappingNode):
            problem(f"topic {number}: expected a mapping with name, description, terms", node)
            continue
        fields = {k.value: v for k, v in node.value}
        unknown = sorted(set(fields) - {"name", "slug", "description", "terms"})
        for key in unknown:
            problem(f"topic {number}: unknown key {key!r}", node,
                    "allowed keys: name, slug, description, terms")
        name_node = fields.get("name")
        name = name_node.value.strip() if isinstance(name_node, yaml.ScalarNode) else ""
        if not name:
            problem(f"topic {number}: missing 'name'", node)
            continue
        label = f"topic {name!r}"
        desc_node = fields.get("description")
        description = desc_node.value.strip() if isinstance(desc_node, yaml.ScalarNode) else ""
        if not description:
            problem(f"{label}: missing 'description'", node)
        terms_node = fields.get("terms")
        terms: list[str] = []
        if isinstance(terms_node, yaml.SequenceNode):
            for term in terms_node.value:
                if isinstance(term, yaml.ScalarNode) and term.value.strip():
                    terms.append(term.value.strip())
                else:
                    problem(f"{label}: every term must be a non-empty string", term)
        if not terms:
            problem(f"{label}: 'terms' must be a non-empty list of strings", terms_node or node)
            continue
        slug_node = fields.get("slug")
        slug = slugify(slug_node.value if isinstance(slug_node, yaml.ScalarNode) else name)
        if slug in seen or slug in ("index", "untagged"):
            problem(f"{label}: slug {slug!r} is already used", node,
                    f"first used by the topic at line {seen[slug]}" if slug in seen else None)
            continue
        seen[slug] = _node_line(node)
        topics.append(Topic(name, slug, description, tuple(terms)))
    return topics, problems


class Matcher:
    """Finds every topic term in a text with one combined regular expression.

    One pass over the text for all topics is what keeps tagging fast: a
    pattern per topic means dozens of passes per abstract.
    """

    def __init__(self, topics: list[Topic]) -> None:
        self.topics = topics
        self.exact: dict[str, set[int]] = {}
        self.prefixes: list[tuple[str, int]] = []
        for i, topic in enumerate(topics):
            for term in topic.terms:
                key = _term_key(term)
                if key.endswith("*"):
                    self.prefixes.append((key.rstrip("*"), i))
                else:
                    self.exact.setdefault(key, set()).add(i)
        terms = sorted({t for topic in topics for t in topic.terms}, key=len, reverse=True)
        self.pattern = re.compile("|".join(_term_regex(t) for t in terms), re.IGNORECASE)

    def topics_of(self, matched: str) -> set[int]:
        """Indexes of the topics a matched phrase belongs to."""
        key = _term_key(matched)
        found = set(self.exact.get(key, ()))
        found.update(i for prefix, i in self.prefixes if key.startswith(prefix))
        return found

    def hits(self, text: str) -> dict[int, set[str]]:
        """For each topic, the distinct phrases of the text that matched its terms."""
        hits: dict[int, set[str]] = {}
        for match in self.pattern.finditer(text):
            phrase = _term_key(match.group(0))
            for i in self.topics_of(phrase):
                hits.setdefault(i, set()).add(phrase)
        return hits


def _term_key(text: str) -> str:
    return " ".join(re.split(r"[\s-]+", text.lower())).strip()


def score_topics(title: str, abstract: str, matcher: Matcher) -> list[tuple[int, Topic]]:
    """Score every matching topic: each distinct term counts, title matches weigh more."""
    in_title = matcher.hits(title)
    in_abstract = matcher.hits(abstract)
    scored = []
    for i, topic in enumerate(matcher.topics):
        title_terms = in_title.get(i, set())
        score = TITLE_WEIGHT * len(title_terms) + len(in_abstract.get(i, set()) - title_terms)
        if score >= MIN_SCORE:
            scored.append((score, topic))
    return scored


def tag_paper(paper: Paper, matcher: Matcher) -> Paper:
    """Give a paper the names of its best-matching topics (at most three)."""
    scored = score_topics(paper.title, paper.abstract, matcher)
    order = {t.name: i for i, t in enumerate(matcher.topics)}
    scored.sort(key=lambda st: (-st[0], order[st[1].name]))
    return replace(paper, tags=tuple(t.name for _, t in scored[:MAX_TOPICS_PER_PAPER]))


def tag_papers(papers: Iterable[Paper], topics: list[Topic]) -> list[Paper]:
    """Tag every paper."""
    matcher = Matcher(topics)
    return [tag_paper(p, matcher) for p in papers]
