"""Learned topics: a classifier over the papers' text, taught by the curator's own tags.

The curator's tags are the examples: on a page whose tags differ from what
sitegen gave it (``auto_tags``), or that has no ``auto_tags``, every topic tag
is the curator's. A topic tagged on at least ``min_examples`` such pages gets
a linear classifier (TF-IDF of title and abstract, logistic regression),
trained on the curator-tagged pages: its examples against the others. Its
probability joins the topic's term matches in the tag stage (tag.combine).

scikit-learn takes a second to import: it is imported only when there are
examples to learn from, so a list nobody has tagged by hand never pays it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..models import Paper
from ..pages import Page, entries, tag_names
from ..words import Text, vectorizer_input
from .tag import AUTO_TAGS, TagSettings, Topic

C = 4.0  # inverse regularisation of the (class-balanced) logistic regressions: see benchmarks/tags.py
MIN_DF = 2  # a word of one paper only says nothing about a topic
FOLDS = 5  # for the probabilities `sitegen check` gives a curator's own tags


def paper_text(title: str, abstract: str) -> str:
    """What the classifier reads of a paper: the title (twice: it says most) and the abstract."""
    return ". ".join(paper_parts(title, abstract))


def paper_parts(title: str, abstract: str) -> tuple[str, str, str]:
    """paper_text in parts (words.Text): each part's words are analysed once."""
    return title, title, abstract


def page_paper(page: Page) -> Paper:
    """What the tagger reads of a paper page: its title, abstract and the source's keywords."""
    keywords = tuple(entries(page.meta.get("keywords")))
    return Paper(page.title, page.abstract, key="", sources=(), keywords=keywords)


def curated_tags(meta: Mapping[str, Any]) -> tuple[str, ...] | None:
    """A page's tags when the curator has set them (an example for the model), else None."""
    tags = tag_names(dict(meta))
    memory = meta.get(AUTO_TAGS)
    if memory is None:
        return tags
    remembered = {str(t) for t in memory} if isinstance(memory, list) else {str(memory)}
    return tags if set(tags) != remembered else None


def curator_tagged(meta: Mapping[str, Any]) -> bool:
    """Whether the curator has set the page's tags."""
    return curated_tags(meta) is not None


def examples(pages: Iterable[Page], topics: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Slug -> the curator's topic tags, for every page the curator has tagged."""
    names = set(topics)
    found = {}
    for page in pages:
        tags = curated_tags(page.meta)
        if tags is not None and page.meta.get("hidden") is not True:
            found[page.slug] = tuple(t for t in tags if t in names)
    return found


def _counts(labels: Iterable[Iterable[str]], topics: Sequence[str]) -> dict[str, int]:
    counts = dict.fromkeys(topics, 0)
    for tags in labels:
        for tag in set(tags):
            if tag in counts:
                counts[tag] += 1
    return counts


def learnable(labels: Sequence[Iterable[str]], topics: Sequence[str], min_examples: int) -> list[str]:
    """Topics with enough examples, and at least one labelled paper without them, to learn from."""
    return [t for t, n in _counts(labels, topics).items() if min_examples <= n < len(labels)]


def text_matrix(texts: Sequence[Text], keep: bool = False) -> Any:
    """Every text's TF-IDF vector (the fit sees no labels, so folds can share it); None without words.

    `keep`: keep the words of the texts' parts for a later model of this process (words.analyzer).
    """
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    documents, words = vectorizer_input(texts, keep)
    vectorizer = TfidfVectorizer(sublinear_tf=True, dtype=np.float32,
                                 min_df=MIN_DF if len(texts) >= 20 else 1, **words)
    try:
        return vectorizer.fit_transform(documents)
    except ValueError:  # no usable words at all
        return None


def predict(
    texts: Sequence[Text], labels: Mapping[int, Iterable[str]], topics: Sequence[str], min_examples: int,
    matrix: Any = None, keep: bool = False,
) -> list[dict[str, float]] | None:
    """For every text, the probability of each topic that can be learned; None when none can.

    `labels` gives the labelled texts (by index) and their topics; the
    vectorizer sees every text, so words only the papers to be tagged use
    still count. One fit and one pass over the texts: 10,000 papers take
    a few seconds. `matrix`: the texts' text_matrix, when it is known already;
    `keep`: see text_matrix.
    """
    at = sorted(labels)
    tags = [tuple(labels[i]) for i in at]
    known = learnable(tags, topics, min_examples)
    if not known:
        return None
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    matrix = text_matrix(texts, keep) if matrix is None else matrix
    if matrix is None:
        return None
    # Only the words of the labelled texts can carry weight: the rest would only slow the solver down.
    training = matrix[at]
    used = np.flatnonzero(training.getnnz(axis=0))
    training, matrix = training[:, used], matrix[:, used].tocsr()
    columns = {}
    for topic in known:
        target = np.array([topic in t for t in tags])
        model = LogisticRegression(C=C, class_weight="balanced", solver="liblinear")
        columns[topic] = model.fit(training, target).predict_proba(matrix)[:, 1]
    return [{topic: float(column[i]) for topic, column in columns.items()} for i in range(len(texts))]


def held_out_probabilities(
    texts: Sequence[Text], labels: Mapping[int, Iterable[str]], topics: Sequence[str], min_examples: int,
) -> dict[int, dict[str, float]]:
    """Each labelled text's topic probabilities from a model that did not see it (k-fold).

    What `sitegen check` needs to tell a curator's slip from a tag the model
    merely learned by heart.
    """
    at = sorted(labels)
    result: dict[int, dict[str, float]] = {i: {} for i in at}
    folds = min(FOLDS, len(at))
    if folds < 2:
        return result
    matrix = text_matrix(texts)  # the same for every fold
    if matrix is None:
        return result
    for fold in range(folds):
        inside = {i: labels[i] for k, i in enumerate(at) if k % folds != fold}
        found = predict(texts, inside, topics, min_examples, matrix)
        if found is None:
            continue
        for k, i in enumerate(at):
            if k % folds == fold:
                result[i] = found[i]
    return result


# The texts, the labelled ones' topics by index, the topics, min_examples: predict's arguments.
LearnJob = tuple[Sequence[Text], Mapping[int, Iterable[str]], Sequence[str], int]
Learned = list[dict[str, float]] | None


def prepare() -> None:
    """Import what predict needs ahead of the job (a second or two): a Standby helper does it first."""
    import sklearn.feature_extraction.text
    import sklearn.linear_model  # noqa: F401


def learn(job: LearnJob) -> Learned:
    """predict, for a Standby helper: the probabilities of every text, or None without labels."""
    return predict(*job)  # no labels: nothing learnable, None before scikit-learn is touched


def learn_keeping_words(job: LearnJob) -> Learned:
    """learn, keeping the texts' words for the related papers (related.related_file) that follow."""
    return predict(*job, keep=True)


def page_examples(
    pages: Sequence[Page], names: Sequence[str], min_examples: int, papers: Sequence[Paper] | None = None,
) -> LearnJob:
    """What the classifier learns from and tags: every page's text, the curator's examples by page index.

    `papers`: the pages' page_paper, when they are known already (a page's abstract is searched for).
    """
    index = {page.slug: i for i, page in enumerate(pages)}
    curated = {index[slug]: tags for slug, tags in examples(pages, names).items()}
    texts = [paper_parts(paper.title, paper.abstract) for paper in papers or map(page_paper, pages)]
    return texts, curated, list(names), min_examples


def learned_for_pages(
    pages: Sequence[Page], names: Sequence[str], min_examples: int, papers: Sequence[Paper] | None = None,
) -> tuple[dict[int, tuple[str, ...]], list[Text], Learned]:
    """The curator's examples by page index, every page's text, and the classifier's probabilities.

    The probabilities are None when no page is curator-tagged or no topic can be learned;
    `papers` as for page_examples.
    """
    job = page_examples(pages, names, min_examples, papers)
    texts, curated = list(job[0]), {i: tuple(tags) for i, tags in job[1].items()}
    return curated, texts, learn(job)


def learned_for_new(
    pages: Sequence[Page], papers: Sequence[Paper], topics: Sequence[Topic], settings: TagSettings,
) -> list[dict[str, float]] | None:
    """The classifier's topic probabilities for new papers, taught by the curator-tagged pages.

    None, without importing scikit-learn, when there are no new papers or no topic has enough examples.
    """
    names = [t.name for t in topics]
    found = examples(pages, names)
    if not papers or not learnable(list(found.values()), names, settings.min_examples):
        return None
    by_slug = {page.slug: page for page in pages}
    texts = [paper_text(by_slug[slug].title, by_slug[slug].abstract) for slug in found]
    texts += [paper_text(paper.title, paper.abstract) for paper in papers]
    learned = predict(texts, dict(enumerate(found.values())), names, settings.min_examples)
    return learned[len(found):] if learned else None
