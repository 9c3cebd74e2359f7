"""Tag stage: load the topic taxonomy and tag papers with the topics their text supports.

Each candidate topic gets a confidence: from its terms found in the title and
abstract, and, where the curator has tagged enough papers with the topic, from
a classifier taught by those examples (sitegen/tagging/learn.py). A paper gets its
most confident topic, then further topics whose confidence reaches the
threshold, up to a cap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

import yaml

from ..models import Diagnostic, Paper
from ..text import slugify

MAX_TOPICS_PER_PAPER = 3
TITLE_WEIGHT = 3
MIN_SCORE = 1  # one term anywhere makes a topic a candidate; its confidence decides the rest
THRESHOLD = 0.5  # the confidence a second or third topic needs (see benchmarks/tags.py)
# Each term point multiplies the doubt by this: a second topic needs five points from terms alone (a
# title match and two abstract terms), four let through wrong topics (tests/fixtures/seed_labels.yml).
TERM_DECAY = 0.87
# The front-matter field that remembers the topics sitegen gave a page, so a later tagging can tell
# them from the curator's own.
AUTO_TAGS = "auto_tags"


@dataclass(frozen=True)
class TagSettings:
    """How many topics a paper gets, and how sure sitegen must be of the ones after its first."""

    threshold: float = THRESHOLD
    max_topics: int = MAX_TOPICS_PER_PAPER
    min_examples: int = 3  # curator-tagged papers a topic needs before the classifier speaks for it


class Suggestion(NamedTuple):
    """A topic sitegen would give a paper, how sure it is, and why.

    A named tuple: a retag makes one for every topic of every page (320,000 at 10,000 papers).
    """

    topic: str
    confidence: float
    terms: float  # the confidence from topics.yml's terms alone
    model: float | None = None  # the classifier's probability, when the topic has one


def term_confidence(score: int) -> float:
    """Confidence from a term score: 1 point 0.13, 3 points 0.34, 5 points 0.50, 10 points 0.75."""
    return 1.0 - TERM_DECAY ** score


def combine(terms: float, model: float | None) -> float:
    """One confidence from both signals, either of which may vouch for the topic (a noisy-or).

    Measured in benchmarks/tags.py against the mean of the two, and the larger of that and the classifier's.
    """
    if model is None:
        return terms
    return 1.0 - (1.0 - terms) * (1.0 - model)


@dataclass(frozen=True)
class Topic:
    """A topic of the taxonomy: its tag name, page slug, description and match terms."""

    name: str
    slug: str
    description: str
    terms: tuple[str, ...]
    intro: str = ""  # the curator's introduction, Markdown
    pinned: tuple[str, ...] = ()  # slugs of papers to read first, in order
    line: int = 0  # where the topic starts in topics.yml


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
            problem(f"topic {number}: expected a mapping with name, description and terms", node)
            continue
        fields = {k.value: v for k, v in node.value}
        unknown = sorted(set(fields) - {"name", "slug", "description", "terms", "intro", "pinned"})
        for key in unknown:
            problem(f"topic {number}: unknown key {key!r}", node,
                    "allowed keys: name, slug, description, terms, intro, pinned")
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
        if terms_node is not None and not isinstance(terms_node, yaml.SequenceNode):
            problem(f"{label}: 'terms' must be a list of strings", terms_node,
                    "leave 'terms' out for a topic learned only from the papers you tag with it")
            continue
        slug_node = fields.get("slug")
        slug = slugify(slug_node.value if isinstance(slug_node, yaml.ScalarNode) else name)
        if slug in seen or slug in ("index", "untagged"):
            problem(f"{label}: slug {slug!r} is already used", node,
                    f"first used by the topic at line {seen[slug]}" if slug in seen else None)
            continue
        seen[slug] = _node_line(node)
        intro_node = fields.get("intro")
        intro = intro_node.value.strip() if isinstance(intro_node, yaml.ScalarNode) else ""
        if intro_node is not None and not isinstance(intro_node, yaml.ScalarNode):
            problem(f"{label}: 'intro' must be text", intro_node)
        pinned: list[str] = []
        pinned_node = fields.get("pinned")
        if isinstance(pinned_node, yaml.SequenceNode):
            for item in pinned_node.value:
                if isinstance(item, yaml.ScalarNode) and item.value.strip():
                    pinned.append(item.value.strip().removeprefix("papers/").removesuffix(".md"))
                else:
                    problem(f"{label}: every pinned entry must be a paper page name", item)
        elif pinned_node is not None:
            problem(f"{label}: 'pinned' must be a list of paper page names", pinned_node,
                    "e.g. pinned: [ssd-single-shot-multibox-detector]")
        topics.append(Topic(name, slug, description, tuple(terms), intro, tuple(pinned), _node_line(node)))
    return topics, problems


_WORD = re.compile(r"\w+")


# \w of ASCII: letters, digits and "_" stay; every other byte becomes a space.
_ASCII_WORDS = bytes.maketrans(bytes(range(128)), bytes(
    c if chr(c).isalnum() or c == ord("_") else ord(" ") for c in range(128)))


def _words(text: str) -> tuple[str, ...]:
    """Lower-case words; hyphens and punctuation separate words, as in "x-ray" = "x ray"."""
    if text.isascii():  # most titles and abstracts: the same words, without the regular expression
        return tuple(text.lower().encode("ascii").translate(_ASCII_WORDS).decode("ascii").split())
    return tuple(_WORD.findall(text.lower()))


_LEAD = 3  # letters of a single-word prefix it is filed under (all of it when shorter)


class Matcher:
    """Finds topic terms in a text by looking its words up, one pass for all topics.

    Word look-ups instead of one big regular expression: Python's re tries
    every alternative at every position, which made tagging the slowest stage.
    """

    def __init__(self, topics: list[Topic]) -> None:
        self.topics = topics
        self.names = [t.name for t in topics]
        # A source's keyword that is a topic's name or slug tags the paper with it.
        self.by_label = {label.casefold(): t.name for t in topics for label in (t.name, t.slug)}
        self.exact: dict[tuple[str, ...], set[int]] = {}
        # Terms ending in "*": the words before the last, then (last-word prefix, topic).
        self.prefixed: dict[tuple[str, ...], list[tuple[str, int]]] = {}
        self.stems: set[tuple[str, ...]] = set()  # word sequences that begin a longer term
        self.longest = 1
        for i, topic in enumerate(topics):
            for term in topic.terms:
                words = _words(term.rstrip("*"))
                if not words:
                    continue
                if term.endswith("*"):
                    self.prefixed.setdefault(words[:-1], []).append((words[-1], i))
                else:
                    self.exact.setdefault(words, set()).add(i)
                if len(words) > 1:
                    self.stems.update(words[:k] for k in range(1, len(words)))
                self.longest = max(self.longest, len(words))
        # How longer terms start: their first two words, or (for "self supervis*") the first word
        # alone. A text holding none of these needs no walk over its n-grams.
        self.pairs = {stem for stem in self.stems if len(stem) == 2} | {
            words for words in self.exact if len(words) == 2} | {
            words for words in self.prefixed if len(words) == 2}
        self.prefix_firsts = {words[0] for words in self.prefixed if len(words) == 1}
        self.firsts = {words[0] for words in self.pairs} | self.prefix_firsts
        # Single-word prefixes ("segment*") by their first letters: a new word is tried only on its own.
        self._prefixes: dict[str, list[tuple[str, int]]] = {}
        for prefix, i in self.prefixed.get((), ()):
            self._prefixes.setdefault(prefix[:_LEAD], []).append((prefix, i))
        self._single: dict[str, tuple[int, ...]] = {}
        self._misses: set[str] = set()  # words known to match no single-word term

    def _single_word(self, word: str) -> tuple[int, ...]:
        found = self._single.get(word)
        if found is None:
            topics = set(self.exact.get((word,), ()))
            for lead in {word[:k] for k in range(1, _LEAD + 1)}:  # shorter prefixes are their own lead
                topics.update(i for prefix, i in self._prefixes.get(lead, ()) if word.startswith(prefix))
            found = self._single[word] = tuple(sorted(topics))
            if not found:
                self._misses.add(word)
        return found

    def hits(self, text: str) -> dict[int, set[str]]:
        """For each topic, the distinct phrases of the text that matched its terms."""
        hits: dict[int, set[str]] = {}
        words = _words(text)
        # Set operations run in C: most words of an abstract were seen before and match nothing.
        for word in set(words) - self._misses:
            for i in self._single_word(word):
                hits.setdefault(i, set()).add(word)
        firsts = self.firsts
        if firsts.isdisjoint(words):
            return hits
        exact, prefixed, stems, starts, prefix_firsts = (self.exact, self.prefixed, self.stems,
                                                         self.pairs, self.prefix_firsts)
        # Only where a longer term may start: a walk over every word pair was most of the time.
        for start in [k for k, word in enumerate(words[:-1]) if word in firsts]:
            if words[start] not in prefix_firsts and words[start:start + 2] not in starts:
                continue
            for n in range(2, self.longest + 1):
                gram = words[start:start + n]
                if len(gram) < n:
                    break
                phrase = None
                for i in exact.get(gram, ()):
                    phrase = phrase or " ".join(gram)
                    hits.setdefault(i, set()).add(phrase)
                for prefix, i in prefixed.get(gram[:-1], ()):
                    if gram[-1].startswith(prefix):
                        phrase = phrase or " ".join(gram)
                        hits.setdefault(i, set()).add(phrase)
                if gram not in stems:  # no longer term starts with these words
                    break
        return hits


def score_topics(title: str, abstract: str, matcher: Matcher) -> list[tuple[int, Topic]]:
    """Score every matching topic: each distinct term counts, title matches weigh more."""
    in_title = matcher.hits(title)
    in_abstract = matcher.hits(abstract)
    scored = []
    for i in sorted(in_title.keys() | in_abstract.keys()):  # in the taxonomy's order
        title_terms = in_title.get(i, set())
        score = TITLE_WEIGHT * len(title_terms) + len(in_abstract.get(i, set()) - title_terms)
        if score >= MIN_SCORE:
            scored.append((score, matcher.topics[i]))
    return scored


def term_confidences(paper: Paper, matcher: Matcher) -> dict[str, float]:
    """Each topic's confidence from the terms alone; a source keyword naming a topic is certain."""
    terms = {topic.name: term_confidence(score) for score, topic in
             score_topics(paper.title, paper.abstract, matcher)}
    named = (matcher.by_label[k.casefold()] for k in paper.keywords if k.casefold() in matcher.by_label)
    terms.update((name, 1.0) for name in named)
    return terms


def term_confidences_range(shared: tuple[Matcher, Sequence[Paper]], span: range) -> list[dict[str, float]]:
    """term_confidences of some of the papers (run in worker processes)."""
    matcher, papers = shared
    return [term_confidences(papers[i], matcher) for i in span]


def suggest(paper: Paper, matcher: Matcher, model: Mapping[str, float] | None = None,
            terms: Mapping[str, float] | None = None) -> list[Suggestion]:
    """Every topic with some support, most confident first (ties keep the taxonomy's order).

    `model` holds the classifier's probabilities for the topics it knows;
    `terms`, the paper's term_confidences when they are known already.
    """
    terms = term_confidences(paper, matcher) if terms is None else terms
    found = []
    # Without a model a topic's confidence is its terms': those without terms have none.
    names = matcher.names if model is not None else [n for n in matcher.names if n in terms]
    for name in names:
        term = terms.get(name, 0.0)
        learned = model.get(name) if model is not None else None
        confidence = combine(term, learned)  # a certain term (1.0) stays certain whatever the model says
        if confidence > 0:
            found.append(Suggestion(name, confidence, term, learned))
    found.sort(key=_CONFIDENCE, reverse=True)  # stable: ties keep the taxonomy's order
    return found


_CONFIDENCE = itemgetter(1)


def choose(suggestions: Sequence[Suggestion], settings: TagSettings) -> list[Suggestion]:
    """The paper's tags: its most confident topic, then those that reach the threshold, up to the cap."""
    chosen: list[Suggestion] = []
    for suggestion in suggestions:
        if len(chosen) >= settings.max_topics:
            break
        # The first topic needs any term, or a classifier that is more sure than not.
        first_ok = suggestion.terms > 0 or suggestion.confidence >= 0.5
        if (first_ok if not chosen else suggestion.confidence >= settings.threshold):
            chosen.append(suggestion)
    return chosen


def tag_paper(paper: Paper, matcher: Matcher, settings: TagSettings | None = None,
              model: Mapping[str, float] | None = None) -> Paper:
    """The paper with the tags sitegen gives it (see choose)."""
    chosen = choose(suggest(paper, matcher, model), settings or TagSettings())
    return replace(paper, tags=tuple(s.topic for s in chosen))


def tag_papers(
    papers: Iterable[Paper], topics: list[Topic], settings: TagSettings | None = None,
) -> list[Paper]:
    """Tag every paper by its terms alone."""
    matcher = Matcher(topics)
    return [tag_paper(p, matcher, settings) for p in papers]
