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

RELATED = ".sitegen/related.json"
COUNT = 5
CHUNK = 500  # rows of the similarity matrix computed at once: 500 x 100,000 floats is 200 MB
MIN_SIMILARITY = 0.05  # below this, two papers share little more than common words


def related_papers(texts: Sequence[str], count: int = COUNT) -> list[list[int]]:
    """For each text, the indexes of the most similar other texts, best first."""
    if len(texts) < 2:
        return [[] for _ in texts]
    # Imported here: scikit-learn takes seconds to import, and builds that
    # change no paper reuse the last result without it.
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    # Words in over half the papers say little about any pair, once there are enough papers.
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1,
                                 max_df=0.5 if len(texts) >= 20 else 1.0,
                                 token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9-]+\b", dtype=np.float32)
    try:
        matrix = vectorizer.fit_transform(texts)  # rows are L2-normalised: dot product = cosine
    except ValueError:  # no usable words at all
        return [[] for _ in texts]
    transposed = matrix.T.tocsr()
    result: list[list[int]] = []
    for start in range(0, matrix.shape[0], CHUNK):
        block = (matrix[start:start + CHUNK] @ transposed).toarray()
        rows = np.arange(block.shape[0])
        block[rows, rows + start] = -1.0  # a paper is not related to itself
        take = min(count, block.shape[1] - 1)
        if take <= 0:
            result.extend([] for _ in rows)
            continue
        best = np.argpartition(block, block.shape[1] - take, axis=1)[:, -take:]  # no negated copy
        for row, candidates in enumerate(best):
            scores = block[row, candidates]
            # Highest similarity first; equal scores in list order, so output is deterministic.
            order = sorted(range(len(candidates)), key=lambda k: (-scores[k], candidates[k]))
            result.append([int(candidates[k]) for k in order if scores[k] >= MIN_SIMILARITY])
    return result


def related_file(content: Path, slugs: Sequence[str], titles: Sequence[str], texts: Sequence[str]) -> str:
    """The data file the plugin reads: slugs and titles once, related papers as indexes.

    The previous file is reused when no paper's text, title or slug changed.
    """
    digest = hashlib.sha256()
    for part in (*slugs, *titles, *texts):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    key = digest.hexdigest()
    path = content / RELATED
    try:
        previous = path.read_text(encoding="utf-8")
        if json.loads(previous).get("key") == key:
            return previous
    except (OSError, ValueError, AttributeError):
        pass
    data = {"version": 1, "key": key, "slugs": list(slugs), "titles": list(titles),
            "related": related_papers(texts)}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
