"""How well tags agree with hand-labelled papers: the checks behind the taxonomy's figures.

A labels file (tests/fixtures/seed_labels.yml) gives, for each labelled paper
page, every topic a reader would accept for it. A paper's tags agree with the
reader when none of them is outside that list and, if the list is not empty,
at least one of them is in it: no wrong topic, and not left without its topic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Label:
    """The topics a reader accepts for one paper (the obvious one first), and its part of the set."""

    topics: tuple[str, ...]
    part: str = ""


def load_labels(path: Path) -> dict[str, Label]:
    """Page slug -> Label, from a labels file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    papers = data.get("papers") if isinstance(data, dict) else None
    if not isinstance(papers, dict):
        raise ValueError(f"{path}: expected a mapping under 'papers:'")
    return {str(slug): Label(tuple(str(t) for t in entry.get("topics") or ()), str(entry.get("part") or ""))
            for slug, entry in papers.items()}


def agrees(tags: Iterable[str], accepted: Iterable[str]) -> bool:
    """Whether a reader agrees with a paper's tags: none wrong, and not missing its topic."""
    given, ok = set(tags), set(accepted)
    return given <= ok and (bool(given) or not ok)


def agreement(tags: Mapping[str, Iterable[str]], labels: Mapping[str, Label]) -> float:
    """The share of labelled papers whose tags a reader agrees with."""
    if not labels:
        return 0.0
    return sum(agrees(tags.get(slug, ()), label.topics) for slug, label in labels.items()) / len(labels)


def micro_f1(predicted: Iterable[Iterable[str]], gold: Iterable[Iterable[str]]) -> float:
    """Micro-averaged F1 of predicted tag sets against gold ones, paper by paper."""
    hits = given = wanted = 0
    for guess, truth in zip(predicted, gold, strict=True):
        g, t = set(guess), set(truth)
        hits, given, wanted = hits + len(g & t), given + len(g), wanted + len(t)
    return 2 * hits / (given + wanted) if given + wanted else 0.0
