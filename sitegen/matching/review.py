"""The deduplication review report: every merge with its reason and score, and the near misses."""

from __future__ import annotations

from .dedupe import DedupeResult, PairDecision
from .registry import record_key


def _ref(pair: PairDecision, first: bool) -> str:
    ref = pair.a if first else pair.b
    title = pair.title_a if first else pair.title_b
    where = pair.where_a if first else pair.where_b
    text = f"`{record_key(ref.file, ref.record)}` (line {ref.line}): {title}"
    return f"{text} — {where}" if where else text


def _entry(pair: PairDecision) -> str:
    d = pair.decision
    scores = f"title {d.title_score:.0f}"
    if d.abstract_score is not None:
        scores += f", abstract {d.abstract_score:.0f}"
    if d.authors:
        scores += f", authors {d.authors:.0%}"
    return f"- **{d.reason}** ({scores})\n  - {_ref(pair, True)}\n  - {_ref(pair, False)}\n"


def summary(result: DedupeResult, records: int) -> str:
    """One line of figures."""
    return (f"dedupe: {records} records, {len(result.papers)} papers, "
            f"{records - len(result.papers)} records merged into others; "
            f"{len(result.merges)} merges to review, {len(result.near_misses)} near misses")


def render_report(result: DedupeResult, records: int) -> str:
    """The review report as Markdown."""
    parts = [
        "# Deduplication review\n\n",
        summary(result, records) + ".\n\n",
        "Merges of identical titles with agreeing abstracts are not listed. To split a merge, add "
        "`distinct_from: [\"FILE#RECORD\"]` to the paper page holding both records; to merge two "
        "pages, add `duplicate_of: OTHER-PAGE` to one of them. Later builds obey both.\n\n",
        f"## Merges ({len(result.merges)})\n\n",
        *(_entry(p) for p in result.merges),
        f"\n## Near misses ({len(result.near_misses)})\n\n",
        "Pairs with close titles that were not merged, and why.\n\n",
        *(_entry(p) for p in sorted(result.near_misses, key=lambda p: -p.decision.title_score)),
    ]
    return "".join(parts)
