"""The related papers' fast paths give what scikit-learn's analyzer and the one-row ranking give."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer

from sitegen.output import related
from sitegen.words import TOKEN_PATTERN, plain_words

STOCK = CountVectorizer(stop_words="english", token_pattern=TOKEN_PATTERN).build_analyzer()
# Letters, digits, hyphens, apostrophes, underscores, accents, other scripts, spaces and stop words.
PIECES = st.sampled_from(["a", "Z", "x", "é", "É", "ß", "İ", "K", "ω", "Σ", "漢", "ب", "\u0301", "1", "٣",
                          "-", "_", "'", "\u2019", ".", " ", "\n", "\t", "\x00", "the", "The", "and", "x-ray",
                          "e2e", "co-op"])
SCORES = st.sampled_from([0.0, 0.04999999, 0.05, 0.2, 0.5, 0.7])  # ties, and both sides of MIN_SIMILARITY


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES | st.text(max_size=3), max_size=40).map("".join))
def test_plain_words_are_scikit_learns(text: str) -> None:
    assert plain_words()(text) == STOCK(text)


def test_plain_words_on_awkward_text() -> None:
    text = "Über-fast X-ray's a1-b2- e2e ab_c abé -ab- _ab ab- Σίσυφος İstanbul naïve 漢字abc the ll"
    assert plain_words()(text) == STOCK(text)
    assert "x-ray" in STOCK(text)  # the case above is not an empty one


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.tuples(SCORES, st.integers(0, 60)), max_size=12, unique_by=lambda pair: pair[1]),
                min_size=1, max_size=8),
       st.integers(1, 6))
def test_best_of_rows_ranks_each_row_as_best_does(rows: list[list[tuple[float, int]]], count: int) -> None:
    scores = np.array([s for row in rows for s, _ in row], dtype=np.float32)
    candidates = np.array([c for row in rows for _, c in row], dtype=np.int32)
    lengths = np.array([len(row) for row in rows], dtype=np.int64)
    expected, offset = [], 0
    for length in lengths:
        row = slice(offset, offset + length)
        expected.append(related._best(scores[row], candidates[row], count))
        offset += length
    assert related._best_of_rows(scores, candidates, lengths, count) == expected
