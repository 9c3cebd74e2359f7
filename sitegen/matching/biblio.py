"""Bibliographic evidence of where a work was published: journal names, volumes, pages, entry types.

What a bibliographer reads beside the title: "J Clin Oncol" is "Journal of
Clinical Oncology"; pages "73-76" and "73" start on one page; pages "A39"
or "290A" are a supplement's, where conference abstracts are printed.
"""

from __future__ import annotations

import re

from ..ids import fold

_WORD = re.compile(r"[a-z0-9]+")
# Words that journal abbreviations drop ("Journal of the American …" is "J Am …").
_JOURNAL_STOPWORDS = frozenset(("the", "of", "and", "in", "on", "for", "de", "la", "le", "des", "der", "und"))
_MEETING = re.compile(r"\.?\s*\bconference:\s*")
_BRACKETS = re.compile(r"[\[(]([^\])]*)[\])]")
_FIRST_PAGE = re.compile(r"^\s*([A-Za-z]{0,3})\s*(\d+)\s*([A-Za-z]{0,2})\b")
_PAGE_COUNT = re.compile(r"^\s*\d+\s*(?:p|pp|pages?)\.?\s*$", re.IGNORECASE)  # "215 p": a length, not a place
_LAST_PAGE = re.compile(r"-\s*[A-Za-z]{0,3}\s*(\d+)")
# Entry types of a meeting abstract or poster: never the same work as a full article.
ABSTRACT_KINDS = frozenset(("abstract", "conference abstract", "meeting abstract", "poster", "abst"))
# Words of a title in brackets that only say which language the work is in ("[Chinese]", "[in German]").
_LANGUAGES = (
    "chinese|japanese|german|french|spanish|italian|russian|portuguese|polish|czech|dutch|korean|turkish|"
    "hungarian|danish|swedish|norwegian|finnish|greek|hebrew|persian|croatian|serbian|slovak|romanian|"
    "bulgarian|ukrainian|lithuanian|slovenian|estonian|latvian|arabic|author'?s transl"
)
_LANGUAGE_TAG = re.compile(rf"\s*[\[(](?:in\s+)?(?:{_LANGUAGES})(?:\s+language)?[\])]\s*\.?", re.IGNORECASE)
_WRAPPED = re.compile(r"^\s*\[(.+)\]\s*\.?\s*$")
# A database's notes at the end of a title: "[Erratum appears in N Engl J Med 2009;360:2487]",
# "[see comments]", "[corrected][published erratum appears in …", often cut off with the title.
_NOTE = re.compile(
    r"\s*\[(?:erratum|corrected|correction|retraction|retracted|comment|see|update|published)\b.*$",
    re.IGNORECASE | re.DOTALL)


def plain_title(title: str) -> str:
    """A title without language tags ("[Chinese]") and without the brackets that mark a translation.

    Databases print a translated title as "[Clinical aspects of X]." and tag
    it with its language; the same paper elsewhere reads "Clinical aspects of X".
    """
    text = _LANGUAGE_TAG.sub(" ", _NOTE.sub(" ", title)).strip()
    if (match := _WRAPPED.match(text)) and "]" not in match.group(1):
        text = match.group(1)
    return text.strip() or title


def journal_words(venue: str | None) -> tuple[tuple[str, ...], ...]:
    """The words of a journal name, in order, without the words abbreviations drop; and of its
    bracketed parts and the rest separately ("Rinsho Ketsueki [Japanese Journal of Clinical Hematology]")."""
    if not venue:
        return ()
    text = fold(venue)
    # Embase names a meeting's abstracts "Journal.Conference: 23rd Congress of …": either may stand alone.
    variants = [text, *_MEETING.split(text)] if _MEETING.search(text) else [text]
    if _BRACKETS.search(text):
        variants += [_BRACKETS.sub(" ", text), *(m.group(1) for m in _BRACKETS.finditer(text))]
    found: list[tuple[str, ...]] = []
    for variant in variants:
        words = tuple(w for w in _WORD.findall(variant) if w not in _JOURNAL_STOPWORDS)
        if words and words not in found:
            found.append(words)
    return tuple(found)


def _abbreviates(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Whether the words of one name stand for the other's, in order, each a prefix of its word.

    One word of a name of four or more may find no partner: databases cut long
    names at a fixed length ("… Journal of Cl"), or add "Journal" or a city.
    """
    if short[0][:1] != long[0][:1]:
        return False
    if len(short) == 1 and len(long) > 1 and short[0] == "".join(w[0] for w in long):
        return True  # an acronym: "VLDB" for "Very Large Data Bases"
    matched, k = 0, 0
    for word in short:
        for j in range(k, len(long)):
            other = long[j]
            if other.startswith(word) or word.startswith(other):
                matched, k = matched + 1, j + 1
                break
    return matched >= len(short) - (1 if len(short) >= 4 else 0)


def same_journal(a: tuple[tuple[str, ...], ...], b: tuple[tuple[str, ...], ...]) -> bool | None:
    """Whether two journal names (as journal_words) name one journal; None when either is unknown."""
    if not a or not b:
        return None
    for x in a:
        for y in b:
            short, long = (x, y) if len(x) <= len(y) else (y, x)
            if _abbreviates(short, long):
                return True
    return False


def first_page(pages: str | None) -> tuple[str | None, bool]:
    """The first page of a range ("73" of "73-76") and whether it is a supplement's ("A39", "290A", "S12").

    Electronic article numbers ("e1002") count as ordinary pages.
    """
    if not pages or _PAGE_COUNT.match(pages) or not (match := _FIRST_PAGE.match(pages)):
        return None, False
    prefix, number, suffix = match.group(1).lower(), match.group(2).lstrip("0") or "0", match.group(3).lower()
    last = _LAST_PAGE.search(pages, match.end())
    if last and len(last.group(1)) == len(number) and int(last.group(1)) < int(number):
        return None, False  # "2297-2108" is no range: one of the two is a typo, so the start is unknown
    # "S12" and "A39" are a supplement's pages, and so is "290A"; other prefixes name a section
    # that some databases leave out ("c37" in Nephron Clinical Practice is page 37 elsewhere).
    supplement = prefix in ("s", "a") or bool(suffix)
    return f"{prefix if supplement else ''}{number}{suffix}", supplement


def electronic(pages: str | None) -> bool:
    """Whether pages are an electronic locator ("e3", "e8-e9"): databases number an online-only
    item differently (its page, its abstract number), so these tell items apart less than print pages."""
    return bool(pages and re.match(r"\s*e\d", pages, re.IGNORECASE))


def last_page(pages: str | None) -> str | None:
    """The last page of a range of several pages ("76" of "73-76"; "1306" of "1297-306"), else None."""
    first, _ = first_page(pages)
    if not first or not pages or not (match := _LAST_PAGE.search(pages)):
        return None
    digits = re.sub(r"\D", "", first)
    end = match.group(1)
    if len(end) < len(digits):  # abbreviated: "1297-306"
        end = digits[:len(digits) - len(end)] + end
    return end if end != digits else None


def volume_key(volume: str | None) -> str | None:
    """A volume as compared: its leading number ("116" of "116 Suppl 1"); None without one."""
    if not volume:
        return None
    match = re.match(r"\s*(\d+)", volume)
    return (match.group(1).lstrip("0") or "0") if match else None  # "(Jul)", "Ph.D.": not a volume
