"""Text helpers: cleaning untrusted text, LaTeX clean-up, URLs, normalisation, escaping and slugs."""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from urllib.parse import urlsplit

from .models import Diagnostic, Link

_ACCENTS = {'"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303"}
# \"a, \"{a}, {\"a}, {\"{a}} as written by LaTeX-minded authors.
_ACCENT_RE = re.compile(r"\{?\\([\"'`^~])\{?([A-Za-z])\}?\}?")
_STYLE_RE = re.compile(r"\\(?:textit|textbf|textsc|texttt|emph|mathrm|text|url)\{([^{}]*)\}")
_OLD_STYLE_RE = re.compile(r"\{\\(?:it|bf|em|sc|tt)\s+([^{}]*)\}")
_ESCAPED_RE = re.compile(r"\\([%&_#$])")
_QUOTE_RE = re.compile(r"``(.*?)''")
_MACROS = {"eg": "e.g.", "ie": "i.e.", "etal": "et al.", "space": " "}
_SPACES_RE = re.compile(r"[ \t]+")
_MACRO_RE = re.compile(r"\\(" + "|".join(_MACROS) + r")(?![A-Za-z])")


def clean_latex(text: str) -> str:
    """Undo the LaTeX escapes that abstracts copied from arXiv carry (\\%, ``x'', na\\"ive)."""
    if "\\" not in text and "``" not in text:  # most text: nothing but spaces to tidy
        return _SPACES_RE.sub(" ", text).strip() if "  " in text or "\t" in text else text.strip()
    text = _ESCAPED_RE.sub(r"\1", text)
    text = _QUOTE_RE.sub("\u201c\\1\u201d", text)
    text = _ACCENT_RE.sub(
        lambda m: unicodedata.normalize("NFC", m.group(2) + _ACCENTS[m.group(1)]), text
    )
    text = _STYLE_RE.sub(r"\1", text)
    text = _OLD_STYLE_RE.sub(r"\1", text)
    text = _MACRO_RE.sub(lambda m: _MACROS[m.group(1)], text)
    return _SPACES_RE.sub(" ", text).strip()


# A URL runs until white space or a character that cannot end one in prose;
# "{" cuts off LaTeX \href leftovers such as "https://x/y{https://x/y}".
_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"{}\\^`|]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\u201d\u2019*"
_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "anonymous.4open.science")
_PAPER_HOSTS = ("arxiv.org", "openreview.net", "doi.org", "aclanthology.org")


def _trim_url(url: str) -> str:
    """Drop trailing punctuation, keeping a closing bracket only when it is balanced."""
    while url:
        last = url[-1]
        unbalanced = (last == ")" and url.count("(") < url.count(")")) or (
            last == "]" and url.count("[") < url.count("]")
        )
        if last in _TRAILING or unbalanced:
            url = url[:-1]
        else:
            break
    return url


def find_urls(text: str) -> list[tuple[int, int, str]]:
    """Locate URLs in prose: (start, end, url) with trailing punctuation left out of the URL."""
    found: list[tuple[int, int, str]] = []
    if "://" not in text and "ww." not in text.casefold():  # most abstracts: no URL to look for
        return found
    for match in _URL_RE.finditer(text):
        url = _trim_url(match.group(0))
        if len(url) > len("www.") + 3 and "." in url.split("//")[-1]:
            found.append((match.start(), match.start() + len(url), url))
    return found


def absolute_url(url: str) -> str:
    """Give scheme-less ``www.`` URLs an https scheme."""
    return url if re.match(r"https?://", url, re.IGNORECASE) else "https://" + url


def is_safe_url(url: str) -> bool:
    """Whether a URL may be put in a page: only http(s) with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def classify_url(url: str) -> Link:
    """Guess what a URL points at (code, project page, paper, data) from its host."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    if host.endswith(_CODE_HOSTS) or (host == "huggingface.co" and "/spaces/" in url):
        return Link("code", url)
    if host.endswith(_PAPER_HOSTS):
        return Link("paper", url)
    if host == "huggingface.co" and "/datasets/" in url:
        return Link("data", url)
    if host.endswith(".github.io") or host.endswith(".io") or "project" in url.lower():
        return Link("project", url)
    return Link("link", url)


def extract_links(text: str) -> tuple[Link, ...]:
    """All distinct http(s) links in a text, in order of appearance."""
    seen: dict[str, Link] = {}
    for _, _, url in find_urls(text):
        full = absolute_url(url)
        if is_safe_url(full) and full not in seen:
            seen[full] = classify_url(full)
    return tuple(seen.values())


_NON_WORD = re.compile(r"[\W_]+")


def normalize_title(title: str) -> str:
    """Identity key of a title: NFKC, case-folded, punctuation and white space collapsed."""
    text = title.casefold() if title.isascii() else unicodedata.normalize("NFKC", title).casefold()
    return _NON_WORD.sub(" ", text).strip()


def escape_html_text(text: str) -> str:
    """Escape text for HTML, linking the URLs it contains (http and https only)."""
    out: list[str] = []
    pos = 0
    for start, end, url in find_urls(text):
        out.append(html.escape(text[pos:start], quote=False))
        target = absolute_url(url)
        if is_safe_url(target):
            out.append(
                f'<a href="{html.escape(target, quote=True)}" rel="nofollow noopener">'
                f"{html.escape(url, quote=False)}</a>"
            )
        else:
            out.append(html.escape(url, quote=False))
        pos = end
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


# Every character Python-Markdown (and the extensions sitegen enables) gives a
# meaning to; backslash-escaping them all means no link, emphasis, attribute
# list or raw HTML can be formed from untrusted text.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>])")


def escape_markdown(text: str) -> str:
    """Make untrusted text inert inside a Markdown paragraph, list item or link label."""
    text = html.escape(" ".join(text.split()), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text)


def snippet(text: str, limit: int = 220) -> str:
    """The start of a text cut at a word boundary, with an ellipsis when shortened."""
    # The spaces of the text's start made single are the start of the whole text's: enough of them,
    # and the rest of a long abstract need not be split.
    head = " ".join(text[:2 * limit].split())
    if len(head) <= limit:
        head = " ".join(text.split())
        if len(head) <= limit:
            return head
    cut = head[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "\u2026"


def slugify(title: str, limit: int = 80) -> str:
    """An ASCII, lower-case, hyphenated slug that cannot contain a path separator."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(text) > limit:
        text = text[:limit].rsplit("-", 1)[0]
    return text or "paper"


# Characters that must not reach a page, feed or export: C0 and C1 controls
# but tab and newline, DEL, surrogates (lone ones: a str never holds a valid
# pair) and the two XML non-characters. Terminal colour codes go whole. Those
# that separate words (form feed, vertical tab, the information separators,
# next line, Unicode's line and paragraph separators) become a space; str.splitlines
# breaks lines at each of them, which shifted the line numbers of a dump.
_UNCLEAN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_REMOVE = re.compile("\x1b\\[[0-?]*[ -/]*[@-~]|" + _UNCLEAN.pattern)
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n"
_AS_SPACE = frozenset("\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029")
_NAMES = {
    "\x00": "NUL", "\x07": "bell", "\x08": "backspace", "\x0b": "vertical tab", "\x0c": "form feed",
    "\x1b": "escape", "\x7f": "delete", "\x85": "next line", "\u2028": "line separator",
    "\u2029": "paragraph separator",
}


def _char_name(char: str) -> str:
    if "\ud800" <= char <= "\udfff":
        return "lone surrogate"
    return _NAMES.get(char, f"U+{ord(char):04X}")


def _scrub(text: str) -> tuple[str, Counter[str], int]:
    """The text cleaned, what was removed by name, and the line of the first removal (0: none)."""
    removed: Counter[str] = Counter()
    first = 0
    if "\r" in text:  # Windows and old Mac line ends: a line break, not a problem to report
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    match = _UNCLEAN.search(text)
    if match is not None:
        start = match.start()
        first = text.count("\n", 0, start) + 1

        def replace(found: re.Match[str]) -> str:
            char = found.group(0)
            removed[_char_name(char[0])] += 1
            return " " if char in _AS_SPACE else ""

        text = text[:start] + _REMOVE.sub(replace, text[start:])
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text, removed, first


def _is_clean(text: str) -> bool:
    """The usual case: ASCII with nothing to remove or convert (five times faster than the regex)."""
    return text.isascii() and not text.encode("ascii").translate(None, _PRINTABLE_ASCII)


def clean_text(text: str) -> tuple[str, bool]:
    """Text fit for pages, feeds and exports, and whether characters had to be removed.

    Drops C0 and C1 control characters except tab and newline (a form feed,
    vertical tab or other separator between words becomes a space; CR and
    CRLF become newlines), DEL, lone surrogates, U+FFFE/U+FFFF and terminal
    colour codes, then normalises to NFC. The flag is True when anything but
    line ends and normalisation changed: the caller should say so. Use it on
    every text that enters sitegen from outside (source files, API answers).
    """
    if _is_clean(text):
        return text, False
    cleaned, removed, _ = _scrub(text)
    return cleaned, bool(removed)


class Scrubber:
    """Cleans the texts of one source file, remembering what it removed for one warning."""

    def __init__(self) -> None:
        self.removed: Counter[str] = Counter()
        self.line: int | None = None

    def file(self, text: str) -> str:
        """A whole file's text, cleaned; the line of the first removal is remembered."""
        return self._clean(text, None)

    def value(self, text: str, line: int) -> str:
        """A text decoded from the file (a JSON string, a BibTeX field) found at `line`, cleaned."""
        return self._clean(text, line)

    def _clean(self, text: str, line: int | None) -> str:
        if _is_clean(text):
            return text
        cleaned, removed, first = _scrub(text)
        if removed:
            self._note(removed, first if line is None else line)
        return cleaned

    def _note(self, removed: Counter[str], line: int) -> None:
        self.removed.update(removed)
        self.line = line if self.line is None else min(self.line, line)

    def problem(self, display: str) -> Diagnostic | None:
        """The file's one warning about removed characters, if any were."""
        if not self.removed:
            return None
        count = sum(self.removed.values())
        kinds = ", ".join(name if n == 1 else f"{name} \u00d7{n}" for name, n in self.removed.most_common())
        return Diagnostic(
            "warning", display, f"{count} invisible control character{'s' if count > 1 else ''} removed "
            f"({kinds}); the records are kept", line=self.line,
            hint="they often come from copying out of a PDF viewer or a terminal",
        )
