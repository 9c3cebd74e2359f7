"""Related papers: the most similar papers of the list by title and abstract (TF-IDF, cosine).

Computed with scikit-learn at build time, in chunks so memory stays bounded
whatever the size of the list. The result goes to ``content/.sitegen/related.json``,
which the MkDocs plugin reads to show "Related papers" on each paper page:
paper pages themselves belong to the curator and are never rewritten for it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..words import Text, forget, vectorizer_input

RELATED = ".sitegen/related.json"
COUNT = 5
CHUNK = 500  # rows of the similarity matrix computed at once: 500 x 100,000 floats is 200 MB
MIN_SIMILARITY = 0.05  # below this, two papers share little more than common words
EXACT_LIMIT = 5000  # up to this many papers every pair is scored; above, candidates first
TOP_TERMS = 20  # a paper's heaviest terms, through which large lists find its candidates
CANDIDATES = 30  # candidates per paper scored exactly
MAX_SHARED = 200  # terms in more papers than this do not make candidates (bounds the work per paper)


def related_papers(texts: Sequence[Text], count: int = COUNT) -> list[list[int]]:
    """For each text (or its parts, words.Text), the indexes of the most similar other texts, best first."""
    if len(texts) < 2:
        return [[] for _ in texts]
    # Imported here: scikit-learn takes seconds to import, and builds that
    # change no paper reuse the last result without it.
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    # Words in over half the papers say little about any pair, once there are enough papers.
    documents, words = vectorizer_input(texts)
    vectorizer = TfidfVectorizer(sublinear_tf=True, min_df=1, max_df=0.5 if len(texts) >= 20 else 1.0,
                                 dtype=np.float32, **words)
    try:
        matrix = vectorizer.fit_transform(documents)  # rows are L2-normalised: dot product = cosine
    except ValueError:  # no usable words at all
        return [[] for _ in texts]
    if len(texts) <= EXACT_LIMIT:
        return _exact(matrix, count)
    return _by_candidates(matrix, count)


def _best(scores: Any, candidates: Any, count: int) -> list[int]:
    """The `count` best candidates above MIN_SIMILARITY; ties in list order, so output is deterministic."""
    order = sorted(range(len(candidates)), key=lambda k: (-scores[k], candidates[k]))
    return [int(candidates[k]) for k in order[:count] if scores[k] >= MIN_SIMILARITY]


def _exact(matrix: Any, count: int) -> list[list[int]]:
    """Score every pair, a block of rows at a time."""
    import numpy as np

    transposed = matrix.T.tocsr()
    result: list[list[int]] = []
    for start in range(0, matrix.shape[0], CHUNK):
        block = (matrix[start:start + CHUNK] @ transposed).toarray()
        rows = np.arange(block.shape[0])
        block[rows, rows + start] = -1.0  # a paper is not related to itself
        take = min(count, block.shape[1] - 1)
        best = np.argpartition(block, block.shape[1] - take, axis=1)[:, -take:]  # no negated copy
        result.extend(_best(block[row, found], found, count) for row, found in enumerate(best))
    return result


def _by_candidates(matrix: Any, count: int) -> list[list[int]]:
    """Score only pairs where one paper holds a heavy term of the other, then the best of those exactly.

    Every pair costs O(n^2): 100,000 papers are 10^10 pairs. Candidates come
    from each paper's TOP_TERMS heaviest terms among those in at most
    MAX_SHARED papers (rare, distinctive words), in both directions; the
    CANDIDATES best by that partial score are scored on their whole vectors.
    On the seed list this keeps about nine in ten of the exact top five.
    """
    import numpy as np

    # Terms common enough to link thousands of papers say little about any one pair.
    rare = np.bincount(matrix.indices, minlength=matrix.shape[1]) <= MAX_SHARED
    heavy = matrix.copy()
    heavy.data[~rare[heavy.indices]] = 0.0
    heavy.eliminate_zeros()
    for row in range(heavy.shape[0]):
        lo, hi = heavy.indptr[row], heavy.indptr[row + 1]
        if hi - lo > TOP_TERMS:
            values = heavy.data[lo:hi]
            values[values < np.partition(values, hi - lo - TOP_TERMS)[hi - lo - TOP_TERMS]] = 0.0
    heavy.eliminate_zeros()
    heavy_t, matrix_t = heavy.T.tocsr(), matrix.T.tocsr()
    result: list[list[int]] = []
    for start in range(0, matrix.shape[0], CHUNK):
        block = (matrix[start:start + CHUNK] @ heavy_t + heavy[start:start + CHUNK] @ matrix_t).tocsr()
        pairs_i: list[int] = []
        pairs_j: list[Any] = []
        for row in range(block.shape[0]):
            lo, hi = block.indptr[row], block.indptr[row + 1]
            found, partial = block.indices[lo:hi], block.data[lo:hi]
            keep = found != start + row  # a paper is not related to itself
            found, partial = found[keep], partial[keep]
            if len(found) > CANDIDATES:
                found = found[np.argpartition(partial, len(found) - CANDIDATES)[-CANDIDATES:]]
            pairs_i.extend([start + row] * len(found))
            pairs_j.append(found)
        columns = np.concatenate(pairs_j) if pairs_j else np.zeros(0, dtype=np.int64)
        exact = np.asarray(matrix[pairs_i].multiply(matrix[columns]).sum(axis=1)).ravel()
        lengths = np.array([len(found) for found in pairs_j], dtype=np.int64)
        result.extend(_best_of_rows(exact, columns, lengths, count))
    return result


def _best_of_rows(scores: Any, candidates: Any, lengths: Any, count: int) -> list[list[int]]:
    """_best of each row at once: rows are `lengths` consecutive scores and candidates."""
    import numpy as np

    rows = np.repeat(np.arange(len(lengths)), lengths)
    order = np.lexsort((candidates, -scores, rows))  # by row, then best score, then list order
    starts = np.cumsum(lengths) - lengths
    keep = (np.arange(len(order)) - starts[rows] < count) & (scores[order] >= MIN_SIMILARITY)
    chosen = candidates[order].tolist()
    kept = np.flatnonzero(keep)
    bounds = [*np.searchsorted(kept, starts).tolist(), len(kept)]
    picked = [chosen[k] for k in kept.tolist()]
    return [picked[bounds[row]:bounds[row + 1]] for row in range(len(lengths))]


def related_key(slugs: Sequence[str], titles: Sequence[str], texts: Sequence[str]) -> str:
    """A digest of everything related papers depend on: equal keys, equal results."""
    digest = hashlib.sha256()
    for part in (*slugs, *titles, *texts):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def cached_related(content: Path, key: str) -> str | None:
    """The data file of the last build, when it was computed from the same papers."""
    try:
        previous = (content / RELATED).read_text(encoding="utf-8")
        if json.loads(previous).get("key") == key:
            return previous
    except (OSError, ValueError, AttributeError):
        pass
    return None


def prepare() -> None:
    """Import scikit-learn ahead of the job (about a second): a Standby helper does it first."""
    import sklearn.feature_extraction.text  # noqa: F401


def related_parts(title: str, tags: Sequence[str], abstract: str) -> tuple[str, str, str, str]:
    """What related papers compare of a paper, in parts (words.Text): title twice, tags, abstract."""
    return title, title, " ".join(tags), abstract


# The key (related_key), the slugs, the titles and the texts (or their parts) of the papers.
RelatedJob = tuple[str, Sequence[str], Sequence[str], Sequence[Text]]


def related_file(job: RelatedJob) -> str:
    """The data file the MkDocs plugin reads: slugs and titles once, related papers as indexes."""
    key, slugs, titles, texts = job
    try:
        related = related_papers(texts)
    finally:
        forget()  # the words an earlier model of this process kept for these texts
    data = {"version": 1, "key": key, "slugs": list(slugs), "titles": list(titles), "related": related}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
