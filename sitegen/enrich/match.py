"""Accept a looked-up candidate only when its title and its abstract agree with the page's.

The decision is the dedupe stage's own (``dedupe.compare``): the Papers API holds
arXiv's text, which differs from a copied page only by white space and LaTeX. A
look-alike title carrying another abstract is another paper; two different
papers that both agree are ambiguous, and neither is taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..ids import normalize_arxiv
from ..matching.dedupe import NEAR_MISS, compare, evidence
from ..text import clean_latex
from .clients import Candidate

Outcome = Literal["resolved", "not found", "ambiguous", "no abstract"]


@dataclass(frozen=True)
class Refusal:
    """A candidate close enough to report, and why it was not taken."""

    arxiv: str
    title: str
    reason: str
    title_score: float
    abstract_score: float | None


@dataclass(frozen=True)
class Verdict:
    """What the lookup of one page concluded."""

    outcome: Outcome
    chosen: Candidate | None = None
    refused: tuple[Refusal, ...] = ()


def judge(title: str, abstract: str, candidates: Sequence[Candidate]) -> Verdict:
    """The one candidate that is this paper, or why none is."""
    page = evidence(title, abstract)
    accepted: dict[str, Candidate] = {}
    refused: list[Refusal] = []
    for candidate in candidates:
        arxiv = normalize_arxiv(candidate.arxiv)
        if arxiv is None:
            continue
        summary = clean_latex(" ".join(candidate.summary.split()))
        other = evidence(clean_latex(" ".join(candidate.title.split())), summary)
        decision = compare(page, other)
        # Only the title-and-abstract rule counts: a title alone names a look-alike as easily.
        if decision.same and decision.abstract_score is not None:
            accepted.setdefault(arxiv, candidate)
        elif decision.title_score >= NEAR_MISS:
            reason = "no abstract to compare" if decision.same else decision.reason
            refused.append(Refusal(arxiv, candidate.title, reason, decision.title_score,
                                   decision.abstract_score))
    if len(accepted) == 1:
        return Verdict("resolved", next(iter(accepted.values())), tuple(refused))
    if len(accepted) > 1:
        both = tuple(Refusal(a, c.title, "another candidate agrees too", 100.0, None)
                     for a, c in accepted.items())
        return Verdict("ambiguous", None, both + tuple(refused))
    if not abstract.strip():
        return Verdict("no abstract", None, tuple(refused))
    return Verdict("ambiguous" if refused else "not found", None, tuple(refused))
