"""Dedupe stage: group records that describe the same paper, like a careful bibliographer.

Identifiers decide first (the same arXiv id or DOI). Otherwise titles are
compared with rapidfuzz, only between records that share one of their title's
rarest words (blocking keeps the cost near-linear), and a title match must be
backed by whatever both records have: abstracts that agree, overlapping author
names, years within one. Generic titles ("Editorial", "Preface") never merge on
the title alone. A merge never joins two groups holding records that conflict
(different arXiv ids, no author in common, years two apart) or that a curator
declared distinct. A false merge hides a paper, so the thresholds are strict;
every merge and every near miss is kept for the review report.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rapidfuzz import fuzz

from ..ids import fold, is_generic_title, name_words, surname
from ..models import Citation, Paper, Record, SourceRef
from ..parallel import chunks, map_shared, workers
from ..readers.fields import citation_text
from ..text import normalize_title
from .biblio import (
    ABSTRACT_KINDS,
    electronic,
    first_page,
    journal_words,
    last_page,
    plain_title,
    same_journal,
    volume_key,
)
from .merge import is_untitled, merge_range
from .merge import merge_records as merge_records  # its home before matching.merge

TITLE_THRESHOLD = 92.0  # with agreeing abstracts, or with one of authors / year agreeing
CORROBORATED_THRESHOLD = 87.0  # when both authors and year agree
TITLE_ONLY_THRESHOLD = 97.0  # when nothing else can confirm the match
ABSTRACT_THRESHOLD = 70.0
ONE_FILE_TITLE = 95.0  # two records of one file: a spelling difference, not another word
PLACE_TITLE = 60.0  # one journal, volume, page and authors: titles may differ by a translation or tag
ABSTRACT_CHARS = 1500  # of each abstract compared: the start says whether two abstracts are one
NEAR_MISS = 85.0  # title scores from here up are reported when not merged
AUTHOR_AGREEMENT = 0.5  # then, with the same year, a shortened title or a subtitle is enough:
SHORTENED_TITLE = 85.0
SUBTITLE = 1.0  # share of the shorter title's words found in the longer one
SUBTITLE_WORDS = 3  # ... when the shorter title has at least this many words
BLOCK_WORDS = 3
MAIN_BLOCK_WORDS = 2  # and on those of the main title and of the title without brackets
LARGE_BLOCK = 40  # records sharing one block word; above this, only title-order neighbours pair
STEM = 6  # letters of a word that blocking compares
WINDOW = 8  # neighbours each record is paired with in a large block, in each order
_STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "by", "for", "from", "in", "into", "is", "of", "on", "or",
    "the", "to", "via", "with", "using", "towards", "toward", "its", "their", "we", "our",
))
_ROMAN = frozenset(("i", "ii", "iii", "iv", "vi", "vii", "viii", "ix"))
# Words that make a title about another work: "Addendum to X" is not X.
_RELATION_WORDS = frozenset((
    "addendum", "erratum", "errata", "corrigendum", "comments", "comment", "response", "reply",
    "rejoinder", "retraction", "rebuttal", "discussion",
))
# Words that say what kind of item a record is ("X - Book Review", "X (demo abstract)"):
# ignored when checking that one title is the other plus a subtitle.
_GENRE_WORDS = frozenset((
    "book", "review", "guest", "editorial", "editor", "editors", "introduction", "foreword",
    "preface", "tutorial", "session", "demo", "demonstration", "abstract", "extended", "invited",
    "talk", "keynote", "panel", "poster", "short", "paper",
))
_NAME_WORD = re.compile(r"[a-z]{2,}")
_SUBTITLE = re.compile(r":\s|\s[-\u2013\u2014]+\s|\s\(")
_BRACKETED = re.compile(r"\s*[\[(][^\])]*[\])]\s*")


@dataclass(frozen=True)
class Evidence:
    """What the matcher compares of a record or a page."""

    key: str
    words: str
    alt_words: str  # the title without bracketed parts (translations, acronyms)
    abstract: str  # as the source gives it (compared lower-cased, its first ABSTRACT_CHARS)
    names: frozenset[str]
    year: int | None
    arxiv: str | None
    doi: str | None
    main: str = ""  # the title before a colon or dash: subtitles come and go between exports
    origin: str = ""  # the source file: one export rarely lists a paper twice
    numbers: frozenset[str] = frozenset()  # "Part II", "TPC-D 2": numbers tell versions apart
    journal: tuple[tuple[str, ...], ...] = ()  # see biblio.journal_words
    volume: str | None = None
    page: str | None = None  # the first page
    last: str | None = None  # the last page of a range
    online: bool = False  # the pages are an electronic locator ("e3")
    issue: str | None = None
    supplement: bool = False  # pages such as "A39" or "290A": a meeting abstract in a supplement
    kind: str | None = None  # the entry type
    surnames: tuple[str, ...] = ()  # family names, in order ("Zhai, Q. J." and "Qiang-Jun Zhai": zhai)
    # Each author's name words: a database that swaps given and family name ("Ching-yi, Wu") still has them.
    author_words: tuple[frozenset[str], ...] = ()
    untitled: bool = False  # a reference without a title, named by its citation
    venue: str | None = None

    @property
    def generic(self) -> bool:
        """Whether the title alone says little (Editorial, Preface, …)."""
        return is_generic_title(self.key)


_ABSTRACT = 3  # Evidence.abstract's place among its fields

_Placement = tuple[tuple[tuple[str, ...], ...], str | None, str | None, str | None, bool, str | None, bool,
                   str | None, tuple[str, ...], tuple[frozenset[str], ...]]


def _placement(venue: str | None, citation: Citation | None, authors: Sequence[str]) -> _Placement:
    """Journal, volume, pages, entry type and author names as compared, for a reference only: only
    references are compared on them (a Papers page or a table of titles spares the work)."""
    if not citation:
        return (), None, None, None, False, None, False, None, (), ()
    page, supplement = first_page(citation.pages)
    kind = citation.kind.lower() if citation.kind else None
    return (journal_words(venue), volume_key(citation.volume), page, last_page(citation.pages),
            electronic(citation.pages), volume_key(citation.number), supplement, kind,
            *_author_names(authors))


def _author_names(authors: Sequence[str]) -> tuple[tuple[str, ...], tuple[frozenset[str], ...]]:
    """Family names and name words of an author list, one entry per author with a family name."""
    found = {family: frozenset(_NAME_WORD.findall(fold(name)))
             for name in authors if (family := surname(name))}
    return tuple(found), tuple(found.values())


def sorted_words(key: str) -> str:
    """A title key with its words sorted: ratio on these equals token_sort_ratio, faster."""
    return " ".join(sorted(key.split()))


def evidence(title: str, abstract: str = "", authors: Sequence[str] = (), year: int | None = None,
             arxiv: str | None = None, doi: str | None = None, origin: str = "",
             venue: str | None = None, citation: Citation | None = None) -> Evidence:
    """The matching evidence of one record or page."""
    untitled = is_untitled(title, venue, citation)
    title = plain_title(title) if "[" in title or "(" in title else title
    key = normalize_title(title)
    words = sorted_words(key)
    # Most titles have no brackets and no subtitle: spare normalising them twice more.
    alt = (normalize_title(_BRACKETED.sub(" ", title)) or key) if "(" in title or "[" in title else key
    numbers = frozenset(w for w in key.split() if w.isdigit() or w in _ROMAN)
    parts = _SUBTITLE.split(title, 1)
    main = normalize_title(parts[0]) if len(parts) > 1 else key
    return Evidence(key, words, sorted_words(alt) if alt != key else words, abstract,
                    name_words(tuple(authors)), year, arxiv, doi, main, origin, numbers,
                    *_placement(venue, citation, authors), untitled, venue)


def _where(record: Record) -> str:
    """A reference's journal, volume, issue, pages and year, as a reference list gives them; "" for others."""
    if not record.citation:
        return ""
    return ", ".join(filter(None, (citation_text(record.venue, record.citation), str(record.year or ""))))


def record_evidence(record: Record) -> Evidence:
    """Matching evidence of a parsed record."""
    return evidence(record.title, record.abstract, record.authors, record.year, record.arxiv, record.doi,
                    record.source.file, record.venue, record.citation)


def _evidence_parts(records: Sequence[Record], span: range) -> list[tuple[Any, ...]]:
    """Evidence of some records as tuples of its fields, without the abstracts (run in workers:
    the parent has those)."""
    found = []
    for i in span:
        values = list(vars(record_evidence(records[i])).values())  # the fields, in their order
        values[_ABSTRACT] = ""
        found.append(tuple(values))
    return found


def _all_evidence(records: Sequence[Record]) -> list[Evidence]:
    """Every record's evidence, on every core; abstracts are the records' own strings, not copies."""
    parts = map_shared(_evidence_parts, records, chunks(len(records)), len(records))
    return [Evidence(*(*values[:_ABSTRACT], record.abstract, *values[_ABSTRACT + 1:]))
            for values, record in zip((p for part in parts for p in part), records, strict=True)]


def _decide(items: Sequence[Evidence], pairs: list[tuple[int, int]]) -> list[tuple[int, int, Decision]]:
    """The decisions worth keeping among some pairs: merges, and titles close enough to report."""
    decisions = []
    for a, b in pairs:
        decision = compare(items[a], items[b])
        if decision.same or decision.title_score >= NEAR_MISS:
            decisions.append((a, b, decision))
    return decisions


@dataclass(frozen=True)
class Decision:
    """Whether two records are one paper, why, and how close their titles are."""

    same: bool
    reason: str
    title_score: float
    abstract_score: float | None = None
    authors: float = 0.0  # share of the shorter author list found in the other
    year_gap: int = 1  # 0 for the same year; unknown counts as 1

    @property
    def strength(self) -> tuple[bool, float, int, float, float]:
        """Sort key: merges first, then closer titles, years and author lists.

        The year matters when a conference and a journal version share a title:
        each export's 1997 record should pair with the other's 1997 record.
        """
        return (not self.same, -min(self.title_score, 95.0), self.year_gap, -self.title_score,
                -self.authors)


def _similar_name(x: str, y: str) -> bool:
    return x == y or (abs(len(x) - len(y)) <= 2 and fuzz.ratio(x, y) >= 85)


def names_overlap(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two author lists share a name word, allowing small spelling differences."""
    return bool(a & b) or any(_similar_name(x, y) for x in a for y in b)


def _same_author(a: Evidence, i: int, b: Evidence, j: int) -> bool:
    x, y = a.surnames[i], b.surnames[j]
    return _similar_name(x, y) or x in b.author_words[j] or y in a.author_words[i]


def same_authors(a: Evidence, b: Evidence) -> bool:
    """Whether two author lists are one, as a bibliographer reads them: the same first author, and
    most of the shorter list in the longer (which may add names or end in "et al.")."""
    if not a.surnames or not b.surnames or not _same_author(a, 0, b, 0):
        return False
    short, long = (a, b) if len(a.surnames) <= len(b.surnames) else (b, a)
    found = sum(1 for i in range(len(short.surnames))
                if any(_same_author(short, i, long, j) for j in range(len(long.surnames))))
    return found / len(short.surnames) >= AUTHOR_AGREEMENT


def author_agreement(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the shorter list's name words that the other list has too (0 when either is unknown)."""
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    exact = small & large
    others = large - exact
    fuzzy = sum(1 for x in small - exact if any(_similar_name(x, y) for y in others))
    return (len(exact) + fuzzy) / len(small)


def conflict(a: Evidence, b: Evidence) -> str | None:
    """A reason two records cannot be the same paper, whatever their titles say."""
    if a.arxiv and b.arxiv and a.arxiv != b.arxiv:
        return "different arXiv ids"
    if a.doi and b.doi and a.doi != b.doi and not (a.arxiv and a.arxiv == b.arxiv):
        return "different DOIs"
    if a.year and b.year and abs(a.year - b.year) > 1:
        return f"years {a.year} and {b.year}"
    if a.names and b.names and not names_overlap(a.names, b.names):
        return "no author in common"
    return placement_conflict(a, b)


def placement_conflict(a: Evidence, b: Evidence) -> str | None:
    """A reason two records are different works by where they were published, if both say where."""
    if a.supplement != b.supplement and a.page and b.page:
        return "a meeting abstract (supplement pages) and a full article"
    if (a.kind in ABSTRACT_KINDS) != (b.kind in ABSTRACT_KINDS) and a.kind and b.kind:
        return "a meeting abstract and a full article"
    if a.page and b.page and a.page != b.page and not (a.last and a.last == b.last) and not (
            a.online and b.online and a.volume and a.volume == b.volume and a.issue and a.issue == b.issue):
        # Ranges ending on one page ("2141-2147", "2142-2147") differ by a typo, not by article;
        # electronic locators of one issue ("e8-e9", "e3") by how a database numbered them.
        return "different pages"
    if a.volume and b.volume and a.volume != b.volume:
        return "different volumes"
    if (a.volume or a.page) and (b.volume or b.page) and same_journal(a.journal, b.journal) is False and not (
            same_volume_page(a, b)):
        # Only where volume or page differ too: the same volume and page in a book series
        # is often named by the series in one database and by the volume's title in another.
        return "different journals"
    return None


def same_volume_page(a: Evidence, b: Evidence) -> bool:
    """Whether two records give one volume and one first page."""
    return bool(a.volume and a.volume == b.volume and a.page and a.page == b.page)


def same_place(a: Evidence, b: Evidence) -> bool:
    """Whether two records give one volume and first page, and no other journal (no conflict assumed)."""
    return same_volume_page(a, b) and same_journal(a.journal, b.journal) is not False


def one_file_reason(a: Evidence, b: Evidence) -> str | None:
    """Why two records of one file cannot be one paper on title evidence, if they cannot.

    One export rarely lists a paper twice unless it merges several databases'
    searches; then both records are references (an entry type, volume or
    pages) and agree: the same authors and year, or the same journal, volume
    and page. Other records (a Papers page, a table of titles) need an
    identifier or an abstract.
    """
    if not (a.kind or a.volume or a.page) or not (b.kind or b.volume or b.page):
        return "two records of one file, not both references (entry type, volume or pages)"
    if a.surnames and b.surnames and not same_authors(a, b):
        return "two records of one file, different authors"
    if same_place(a, b) and (a.surnames or b.surnames):
        return None
    if not (a.surnames and b.surnames and a.year and b.year):
        return "two records of one file, authors or year unknown"
    if abs(a.year - b.year) > 1 or (a.year != b.year and not (
            a.volume and a.volume == b.volume and title_score(a, b) >= ONE_FILE_TITLE)):
        # A year apart (online first, a thesis and its abstract) only with the same title.
        return "two records of one file, different years"
    if same_journal(a.journal, b.journal) is False and not same_volume_page(a, b):
        return "two records of one file, different venues"
    if a.generic or b.generic:
        return "two records of one file, generic title"
    if title_score(a, b) < ONE_FILE_TITLE and not (
            a.page and b.page and contained(a.key, b.key, SUBTITLE_WORDS) >= SUBTITLE):
        # Another word is another paper; an added subtitle ("…: Brief communication") only where
        # both give pages, and these agree.
        return "two records of one file, titles differ in words"
    return None


def title_score(a: Evidence, b: Evidence) -> float:
    """Similarity of two titles, 0-100: the better of word order ignored and kept, brackets optional."""
    score = max(fuzz.ratio(a.words, b.words), fuzz.ratio(a.key, b.key))
    if score < 100 and (a.alt_words != a.words or b.alt_words != b.words):
        # Just below an exact match, so "X (demo)" pairs with "X (demo)" before "X".
        score = max(score, min(fuzz.ratio(a.alt_words, b.alt_words), 99.0))
    return score


def _about(key: str) -> frozenset[str]:
    return _RELATION_WORDS.intersection(key.split())


def contained(a: str, b: str, min_words: int = 3) -> float:
    """Share of the shorter title's content words that the longer one has (spelling aside)."""
    wa = [w for w in a.split() if w not in _STOPWORDS and w not in _GENRE_WORDS]
    wb = [w for w in b.split() if w not in _STOPWORDS and w not in _GENRE_WORDS]
    short, long = (wa, set(wb)) if len(wa) <= len(wb) else (wb, set(wa))
    if len(short) < min_words:
        return 0.0
    found = sum(1 for w in short if w in long or any(_similar_name(w, x) or _same_stem(w, x) for x in long))
    return found / len(short)


def _same_stem(x: str, y: str) -> bool:
    """Whether two words are forms of one ("diagnosis", "diagnosing"): the same first five
    letters or more, and at most three more letters each."""
    n = 0
    for p, q in zip(x, y, strict=False):
        if p != q:
            break
        n += 1
    return n >= 5 and len(x) - n <= 3 and len(y) - n <= 3


def compare(a: Evidence, b: Evidence) -> Decision:
    """Decide whether two records describe the same paper."""
    decision = _compare(a, b)
    if a.year and b.year and a.year == b.year:
        return replace(decision, year_gap=0)
    return decision


def _compare(a: Evidence, b: Evidence) -> Decision:
    if a.arxiv and a.arxiv == b.arxiv:
        return Decision(True, "same arXiv id", 100.0)
    if a.doi and a.doi == b.doi:
        return Decision(True, "same DOI", 100.0)
    score = title_score(a, b)
    if a.untitled or b.untitled:
        # Named by its citation: no title to compare, and a reference manager keeps such an entry apart.
        return Decision(False, "no title", score)
    placed = same_place(a, b)
    titled = score >= PLACE_TITLE
    # The same year, or one unknown between known authors: the subtitle rules below may go lower.
    dated = (a.year and a.year == b.year) or (bool(a.year) != bool(b.year) and a.names and b.names)
    if score < NEAR_MISS and not (a.origin != b.origin and dated) and not (placed and titled):
        return Decision(False, "titles differ", score)  # only the same-year and same-page rules go lower
    agree = author_agreement(a.names, b.names)
    if score < NEAR_MISS and not agree:
        return Decision(False, "titles differ", score)
    if reason := conflict(a, b):
        return Decision(False, reason, score, authors=agree)
    if a.numbers - b.numbers and b.numbers - a.numbers:
        return Decision(False, "numbers in the titles differ", score, authors=agree)
    if _about(a.key) != _about(b.key) and not (placed and same_authors(a, b)):
        # At one journal, volume and page with the same authors, "Erratum: X" is a database's
        # label for the erratum record X itself (a reply is by other authors).
        return Decision(False, "one is a comment on or correction of the other", score, authors=agree)
    if a.abstract and b.abstract:
        # Lower-cased here, for the few pairs that get this far, not for every record up front.
        abstract = fuzz.token_set_ratio(a.abstract[:ABSTRACT_CHARS].lower(),
                                        b.abstract[:ABSTRACT_CHARS].lower())
        if abstract < ABSTRACT_THRESHOLD:
            return Decision(False, "abstracts differ", score, abstract)
        if score >= TITLE_THRESHOLD:
            return Decision(True, "title and abstract", score, abstract)
        return Decision(False, "titles differ", score, abstract)
    authors = bool(a.names and b.names)  # both known and (no conflict) overlapping
    years = bool(a.year and b.year)
    if placed and titled and same_authors(a, b) and not (a.generic or b.generic):
        return Decision(True, "same journal, volume, page and authors", score, authors=agree)
    if a.generic or b.generic:
        # "Guest Editorial: Databases and the Web" is the "Guest editorial" of its issue.
        subtitled = agree == 1.0 and (a.main == b.key or b.main == a.key)
        if authors and years and a.year == b.year and (score >= TITLE_ONLY_THRESHOLD or subtitled):
            return Decision(True, GENERIC, score, authors=agree)
        if a.origin != b.origin and len(a.names) > 2 and a.names == b.names and bool(a.year) != bool(b.year) \
                and score >= TITLE_ONLY_THRESHOLD:
            # The same three or more authors' "Guest editorial", one export without its year.
            return Decision(True, "generic title, same authors", score, authors=agree)
        if (not a.names and not b.names and years and a.year == b.year and score >= TITLE_ONLY_THRESHOLD
                and a.origin != b.origin and same_journal(journal_words(a.venue), journal_words(b.venue))):
            # An "Author Index" without authors is the index of its venue's volume of that year.
            return Decision(True, "generic title, same venue and year", score, authors=agree)
        return Decision(False, "generic title", score, authors=agree)
    need = (TITLE_ONLY_THRESHOLD, TITLE_THRESHOLD, CORROBORATED_THRESHOLD)[authors + years]
    if score >= need:
        what = " and ".join(w for w, ok in (("authors", authors), ("year", years)) if ok)
        return Decision(True, f"title and {what}" if what else "title", score, authors=agree)
    if a.origin != b.origin and ((a.year and a.year == b.year) or _one_year_and_same_authors(a, b, agree)):
        # Two exports of one paper in the same year (or one without a year, by the same
        # authors), one title shortened or with a subtitle ("Online Query Processing: a
        # tutorial"), or only the main title kept ("GridDB: a relational interface…"):
        # the authors must agree.
        known = bool(a.names and b.names)
        words = 2 if agree == 1.0 else SUBTITLE_WORDS
        if (not known or agree >= AUTHOR_AGREEMENT) and max(
                contained(a.key, b.key, words), contained(a.alt_words, b.alt_words, words)) >= SUBTITLE:
            return Decision(True, "same year, one title extends the other", score, authors=agree)
        if agree >= AUTHOR_AGREEMENT and score >= SHORTENED_TITLE:
            return Decision(True, "same authors and year, similar title", score, authors=agree)
        if agree == 1.0 and a.main == b.main and len(a.main) >= 4 and a.main != a.key:
            return Decision(True, "same authors and year, same main title", score, authors=agree)
    return Decision(False, "titles differ", score, authors=agree)


def _one_year_and_same_authors(a: Evidence, b: Evidence, agree: float) -> bool:
    """Whether only one of two records gives a year, and their author lists agree in full."""
    return bool(a.year) != bool(b.year) and bool(a.names) and agree == 1.0 and len(a.names) == len(b.names)


def candidate_array(items: Sequence[Evidence]) -> Any:
    """Pairs worth comparing, as an (n, 2) array of index pairs (smaller first, sorted, unique).

    Same identifier, or a shared rare title word. Near-linear: a block of
    more than LARGE_BLOCK records pairs each with its neighbours in title order.
    """
    import numpy as np

    def content(key: str) -> list[str]:
        # Words by their first six letters: "diagnosis" and "diagnosing" block together.
        return [w[:STEM] for w in key.split() if w not in _STOPWORDS] or [w[:STEM] for w in key.split()]

    words = [content(e.key) for e in items]
    frequency = Counter(w for ws in words for w in set(ws))
    # Each word's place from rarest to most common (ties alphabetical), so that sorting a title's
    # words is a sort on a C-level key.
    rank = {w: k for k, w in enumerate(sorted(frequency, key=lambda w: (frequency[w], w)))}

    def rarest(ws: list[str], n: int) -> list[str]:
        if all(w in rank for w in ws):
            return sorted(set(ws), key=rank.__getitem__)[:n]
        return sorted(set(ws), key=lambda w: (frequency[w], w))[:n]  # a word no whole title has

    blocks: dict[str, list[int]] = defaultdict(list)
    for i, (e, ws) in enumerate(zip(items, words, strict=True)):
        keys = set(rarest(ws, BLOCK_WORDS))
        # Also the rarest words of the main title and of the title without its
        # bracketed parts: subtitles and translations come and go between sources.
        for variant in {e.main, e.alt_words} - {e.key, e.words, ""}:
            keys.update(rarest(content(variant), MAIN_BLOCK_WORDS))
        for word in keys:
            blocks[word].append(i)
        if e.arxiv:
            blocks["arxiv:" + e.arxiv].append(i)
        if e.doi:
            blocks["doi:" + e.doi].append(i)
        if e.volume and e.page:  # a translated title may share no word with the original
            blocks[f"at:{e.volume}:{e.page}"].append(i)
    # Pairs are coded as a * n + b (a < b): compact, and sorting brings repeats together.
    n = len(items)
    small = array("q")
    large: list[Any] = []
    for members in blocks.values():
        if len(members) <= LARGE_BLOCK:
            # Members were added in index order, so a < b; a record joins each block once.
            for x, a in enumerate(members):
                base = a * n
                small.extend([base + b for b in members[x + 1:]])
            continue
        # A block this large means its word is common after all: all its pairs would make
        # the work quadratic. Compare neighbours in title order instead (sorted
        # neighbourhood), read forwards and backwards so a typo near either end still
        # leaves the two titles close in one of the orders.
        for order in (lambda i: items[i].key, lambda i: items[i].key[::-1]):
            ranked = np.asarray(sorted(members, key=order), dtype=np.int64)
            for step in range(1, min(WINDOW, len(ranked) - 1) + 1):
                first, second = ranked[:-step], ranked[step:]
                large.append(np.minimum(first, second) * n + np.maximum(first, second))
    coded = np.sort(np.concatenate([np.frombuffer(small, dtype=np.int64), *large]))
    if coded.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    coded = coded[np.concatenate(([True], coded[1:] != coded[:-1]))]  # unique (sorted: no hashing)
    return np.stack((coded // max(n, 1), coded % max(n, 1)), axis=1)


def candidate_pairs(items: Sequence[Evidence]) -> set[tuple[int, int]]:
    """Pairs worth comparing (see candidate_array), as a set of (smaller, larger) index pairs."""
    return {(a, b) for a, b in candidate_array(items).tolist()}


def plausible_pairs(items: Sequence[Evidence], pairs: Any) -> list[tuple[int, int]]:
    """The candidate pairs compare() could merge or report as near misses.

    Title similarity of every candidate pair is computed at once by rapidfuzz
    (in C); compare() then sees only pairs with a shared identifier, titles
    scoring NEAR_MISS or more, or records of one year from two sources (the
    subtitle rules), which are a small part of the candidates on large lists.
    """
    import numpy as np
    from rapidfuzz.process import cpdist

    if len(pairs) == 0:
        return []
    left, right = pairs[:, 0], pairs[:, 1]
    words = np.asarray([e.words for e in items], dtype=object)
    keys = np.asarray([e.key for e in items], dtype=object)
    # Only whether a score reaches NEAR_MISS matters here: rapidfuzz gives up early below it.
    options: dict[str, Any] = {"scorer": fuzz.ratio, "dtype": np.float64, "workers": workers(),
                               "score_cutoff": NEAR_MISS}
    score = cpdist(words[left].tolist(), words[right].tolist(), **options)
    low = np.flatnonzero(score < NEAR_MISS)  # the titles in their own word order may still score
    score[low] = cpdist(keys[left[low]].tolist(), keys[right[low]].tolist(), **options)

    def codes(values: list[str | None]) -> Any:
        """Each value as a number, equal for equal values; 0 for none."""
        seen: dict[str, int] = {}
        return np.asarray([seen.setdefault(v, len(seen) + 1) if v else 0 for v in values], dtype=np.int64)

    arxiv, doi = codes([e.arxiv for e in items]), codes([e.doi for e in items])
    place = codes([f"{e.volume}:{e.page}" if e.volume and e.page else None for e in items])
    origin, year = codes([e.origin for e in items]), np.asarray([e.year or 0 for e in items], dtype=np.int64)
    brackets = np.asarray([e.alt_words != e.words for e in items], dtype=bool)
    named = np.asarray([bool(e.names) for e in items], dtype=bool)
    abstract = np.asarray([bool(e.abstract) for e in items], dtype=bool)
    same_id = (((arxiv[left] > 0) & (arxiv[left] == arxiv[right]))
               | ((doi[left] > 0) & (doi[left] == doi[right])))
    # Of a pair scoring below NEAR_MISS only a merge is kept, and compare() merges none whose
    # records both have abstracts (those need a title of TITLE_THRESHOLD) or different identifiers:
    # at 100,000 records most candidate pairs, left out here without comparing them one by one.
    hopeless = (
        (score < NEAR_MISS) & ~brackets[left] & ~brackets[right] & ~same_id
        & ((abstract[left] & abstract[right])
           | ((arxiv[left] > 0) & (arxiv[right] > 0))  # both known, and (not same_id) different
           | ((doi[left] > 0) & (doi[right] > 0)))
    )
    keep = (
        (score >= NEAR_MISS)
        | same_id
        | ((place[left] > 0) & (place[left] == place[right]))
        | ((origin[left] != origin[right]) & (year[left] > 0) & (year[left] == year[right]))
        | ((origin[left] != origin[right]) & ((year[left] > 0) != (year[right] > 0))
           & named[left] & named[right])
        | brackets[left] | brackets[right]  # the bracket-free titles may score higher: compare() decides
    ) & ~hopeless
    return [(a, b) for a, b in pairs[keep].tolist()]


GENERIC = "generic title, same authors and year"
# Decisions that may put two records of one file on one page whatever else they say. Generic
# items by the same authors in one year ("Book review column") cannot be told apart, so they
# share one. Otherwise two records of one file must both say where they were published
# (one_file_reason).
STRONG = frozenset((
    "same arXiv id", "same DOI", "title and abstract", "generic title, same authors and year",
    "same journal, volume, page and authors",
))


@dataclass(frozen=True)
class PairDecision:
    """A pair decision between two records, for the review report."""

    a: SourceRef
    b: SourceRef
    title_a: str
    title_b: str
    decision: Decision
    where_a: str = ""  # where a reference was published ("Blood 116(3), 280-281, 2010"), for the report
    where_b: str = ""


@dataclass
class DedupeResult:
    """Papers, and the decisions a curator may want to review."""

    papers: list[Paper]
    merges: list[PairDecision] = field(default_factory=list)
    near_misses: list[PairDecision] = field(default_factory=list)


class _Clusters:
    """Union-find over records that refuses unions joining conflicting or curator-split records."""

    def __init__(self, items: Sequence[Evidence], marks: list[set[tuple[int, int]]]) -> None:
        self.parent = list(range(len(items)))
        self.members: dict[int, list[int]] = {i: [i] for i in range(len(items))}
        self.marks = {i: set(m) for i, m in enumerate(marks)}
        self.files = {i: {item.origin} for i, item in enumerate(items)}
        self.items = items

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def blocker(self, a: int, b: int, decision: Decision) -> str | None:
        """Why the groups of a and b may not be joined, if they may not."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        one_file = bool(self.files[ra] & self.files[rb])
        if one_file and decision.reason not in STRONG:
            for x in self.members[ra]:
                for y in self.members[rb]:
                    if self.items[x].origin != self.items[y].origin:
                        continue
                    if reason := one_file_reason(self.items[x], self.items[y]):
                        return f"would put {reason} on one page"
                    if (x, y) != (a, b) and not compare(self.items[x], self.items[y]).same:
                        return "would put two records of one file with different titles on one page"
        elif one_file and decision.reason == GENERIC:  # a strong reason, checked on its own terms
            for x in self.members[ra]:
                for y in self.members[rb]:
                    one, other = self.items[x], self.items[y]
                    if one.origin == other.origin and one.names != other.names:
                        return "would put generic items of one file by different authors on one page"
        for constraint, side in self.marks[ra]:
            if (constraint, 1 - side) in self.marks[rb]:
                return "declared distinct by the curator"
        if len(self.members[ra]) > 1 or len(self.members[rb]) > 1:
            for x in self.members[ra]:
                for y in self.members[rb]:
                    if (x, y) != (a, b) and (reason := conflict(self.items[x], self.items[y])):
                        return f"would join records with {reason}"
        return None

    def union(self, a: int, b: int) -> None:
        ra, rb = sorted((self.find(a), self.find(b)))
        if ra != rb:
            self.parent[rb] = ra
            self.members[ra].extend(self.members.pop(rb))
            self.marks[ra] |= self.marks.pop(rb)
            self.files[ra] |= self.files.pop(rb)


def dedupe(
    records: Iterable[Record],
    distinct: Sequence[tuple[frozenset[SourceRef], frozenset[SourceRef]]] = (),
) -> DedupeResult:
    """Group records into papers (sorted by key); ``distinct`` lists record sets never to be joined."""
    ordered = sorted(records, key=lambda r: r.source)
    # Each step below works on every core for large lists (forked workers share `ordered`).
    items = _all_evidence(ordered)
    index = {r.source: i for i, r in enumerate(ordered)}
    marks: list[set[tuple[int, int]]] = [set() for _ in ordered]
    for k, sides in enumerate(distinct):
        for side, refs in enumerate(sides):
            for ref in refs:
                if ref in index:
                    marks[index[ref]].add((k, side))
    plausible = plausible_pairs(items, candidate_array(items))
    decisions = [d for part in map_shared(_decide, items, [plausible[r.start:r.stop] for r in
                                                           chunks(len(plausible))], len(plausible))
                 for d in part]
    # Strongest evidence first, so a doubtful pair cannot pre-empt a certain one.
    decisions.sort(key=lambda d: (d[2].strength, d[0], d[1]))
    clusters = _Clusters(items, marks)
    result = DedupeResult([])

    def pair(a: int, b: int, decision: Decision) -> PairDecision:
        ra, rb = ordered[a], ordered[b]
        return PairDecision(ra.source, rb.source, ra.title, rb.title, decision, _where(ra), _where(rb))

    misses: list[tuple[int, int, Decision]] = []
    for a, b, decision in decisions:
        if not decision.same:
            misses.append((a, b, decision))
            continue
        if clusters.find(a) == clusters.find(b):
            continue
        if reason := clusters.blocker(a, b, decision):
            misses.append((a, b, Decision(False, reason, decision.title_score, decision.abstract_score,
                                          decision.authors)))
            continue
        clusters.union(a, b)
        if decision.reason != "title and abstract" or decision.title_score < 100:
            result.merges.append(pair(a, b, decision))
    # A pair that was not merged directly may still have ended up in one group.
    result.near_misses = [pair(a, b, d) for a, b, d in misses if clusters.find(a) != clusters.find(b)]
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(ordered)):
        groups[clusters.find(i)].append(i)
    # Groups of several records are most of the merging (2 of 3 s at 100,000 records): on every core.
    # A record alone is a paper sooner here than its copy would come back from a worker.
    several = [group for group in groups.values() if len(group) > 1]
    merged = map_shared(merge_range, (ordered, several), chunks(len(several)), len(several))
    papers = [paper for part in merged for paper in part]
    papers += [merge_records([ordered[group[0]]]) for group in groups.values() if len(group) == 1]
    result.papers = sorted(papers, key=lambda p: (p.key, p.sources))
    return result
