"""The words the TF-IDF models count (learned topics, related papers), and those a process keeps.

Both models lower-case a text, take its words of two or more letters, digits
and hyphens that start with a letter, and leave out English stop words. A
text may come in parts: joined by a space or ". ", which no word crosses,
its words are those of each part in turn. So a part analysed once serves
every text holding it: retag's helper process keeps the words of each title
and abstract it learns from, and finds the related papers of the rebuild
from the same words, the same matrix to the last bit, in half the time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

TOKEN_PATTERN = r"(?u)\b[a-zA-Z][a-zA-Z0-9-]+\b"
# TOKEN_PATTERN's words, found faster: a search can skip to the next letter when the
# pattern starts with one (not with \b); the look-behind is the leading \b.
_WORD = re.compile(r"[a-zA-Z](?<!\w[a-zA-Z])[a-zA-Z0-9-]+\b")

Text = str | Sequence[str]  # a text, or its parts

_KEPT: dict[str, list[str]] = {}  # part -> its words, while a later model of this process needs them


def analyzer(keep: bool = False) -> Callable[[Text], list[str]]:
    """A TfidfVectorizer `analyzer`: a text's words; parts kept by an earlier model are not analysed again.

    `keep`: keep the words of the parts analysed here, for a later model (free them with `forget`).
    """
    analyse = plain_words()
    same: dict[str, str] = {}  # one string per distinct word: kept words take a tenth of the memory

    def words(text: Text) -> list[str]:
        found: list[str] = []
        for part in (text,) if isinstance(text, str) else text:
            known = _KEPT.get(part)
            if known is None:
                known = analyse(part)
                if keep:
                    known = _KEPT[part] = [same.setdefault(w, w) for w in known]
            found += known
        return found

    return words


def vectorizer_input(texts: Sequence[Text], keep: bool = False) -> tuple[list[Text], dict[str, Any]]:
    """The documents and the word options of a TfidfVectorizer for `texts` (see analyzer for `keep`).

    With no words to keep or to look up, the texts whole and plain_words.
    """
    if keep or _KEPT:
        return list(texts), {"analyzer": analyzer(keep)}
    return ([text if isinstance(text, str) else " ".join(text) for text in texts],
            {"analyzer": plain_words()})


def plain_words() -> Callable[[str], list[str]]:
    """A text's words as scikit-learn finds them (TOKEN_PATTERN, English stop words), in a sixth less time."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    find = _WORD.findall

    def words(text: str) -> list[str]:
        return [word for word in find(text.lower()) if word not in ENGLISH_STOP_WORDS]

    return words


def forget() -> None:
    """Free the words kept for a later model."""
    _KEPT.clear()
