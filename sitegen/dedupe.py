"""Dedupe stage: group records that describe the same paper.

Exact matches on the normalised title come first. Fuzzy title matches are
only considered between titles that share one of their rarest words
(blocking), and are accepted only when the abstracts agree too: a false merge
hides a paper from the reader, so the thresholds are conservative.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from .models import Link, Paper, Record
from .text import extract_links, normalize_title

TITLE_THRESHOLD = 92.0
TITLE_ONLY_THRESHOLD = 97.0  # when one side has no abstract to confirm the match
ABSTRACT_THRESHOLD = 70.0
BLOCK_WORDS = 2
_STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "by", "for", "from", "in", "into", "is", "of", "on", "or",
    "the", "to", "via", "with",
))


@dataclass(frozen=True)
class Merge:
    """A fuzzy merge decision, kept for reporting."""

    title_a: str
    title_b: str
    title_score: float
    abstract_score: float | None


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def candidate_pairs(keys: list[str]) -> set[tuple[int, int]]:
    """Pairs of titles sharing one of their rarest words: near-linear, unlike all pairs."""
    words = [[w for w in key.split() if w not in _STOPWORDS] or key.split() for key in keys]
    frequency = Counter(w for ws in words for w in set(ws))
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, ws in enumerate(words):
        for word in sorted(set(ws), key=lambda w: (frequency[w], w))[:BLOCK_WORDS]:
            blocks[word].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        for x, a in enumerate(members):
            for b in members[x + 1:]:
                pairs.add((a, b) if a < b else (b, a))
    return pairs


def sorted_words(key: str) -> str:
    """A title key with its words sorted: ratio on these equals token_sort_ratio, faster."""
    return " ".join(sorted(key.split()))


def same_paper(title_a: str, abstract_a: str, title_b: str, abstract_b: str) -> Merge | None:
    """Decide whether two differently-titled records are the same paper."""
    key_a, key_b = normalize_title(title_a), normalize_title(title_b)
    score = fuzz.ratio(sorted_words(key_a), sorted_words(key_b))
    if score < TITLE_THRESHOLD:
        return None
    if not abstract_a or not abstract_b:
        return Merge(title_a, title_b, score, None) if score >= TITLE_ONLY_THRESHOLD else None
    abstract_score = fuzz.token_set_ratio(abstract_a[:1500].lower(), abstract_b[:1500].lower())
    if abstract_score < ABSTRACT_THRESHOLD:
        return None
    return Merge(title_a, title_b, score, abstract_score)


def dedupe(records: Iterable[Record]) -> tuple[list[Paper], list[Merge]]:
    """Group records into papers; returns the papers (sorted by key) and the fuzzy merges made."""
    groups: dict[str, list[Record]] = defaultdict(list)
    for record in sorted(records, key=lambda r: r.source):
        groups[normalize_title(record.title)].append(record)
    keys = sorted(groups)
    best = [max(groups[k], key=lambda r: len(r.abstract)) for k in keys]
    union = _UnionFind(len(keys))
    merges: list[Merge] = []
    for a, b in sorted(candidate_pairs(keys)):
        if union.find(a) == union.find(b):
            continue
        merge = same_paper(best[a].title, best[a].abstract, best[b].title, best[b].abstract)
        if merge:
            union.union(a, b)
            merges.append(merge)
    clusters: dict[int, list[Record]] = defaultdict(list)
    for i, key in enumerate(keys):
        clusters[union.find(i)].extend(groups[key])
    papers = [merge_records(members) for members in clusters.values()]
    return sorted(papers, key=lambda p: p.key), merges


def merge_records(records: list[Record]) -> Paper:
    """Combine the records of one paper: first title, fullest abstract, every link and source."""
    ordered = sorted(records, key=lambda r: r.source)
    first = ordered[0]
    abstract = max((r.abstract for r in ordered), key=len)
    links: dict[str, Link] = {}
    for record in ordered:
        for link in extract_links(record.abstract):
            links.setdefault(link.url, link)
    listed = next((r.listed for r in ordered if r.listed), None)
    return Paper(
        key=normalize_title(first.title),
        title=first.title,
        abstract=abstract,
        links=tuple(links.values()),
        listed=listed,
        sources=tuple(r.source for r in ordered),
    )
