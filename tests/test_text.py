"""Text helpers: LaTeX clean-up, URLs, escaping and slugs."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import markdown
from hypothesis import given
from hypothesis import strategies as st

from sitegen.text import (
    clean_latex,
    escape_html_text,
    escape_markdown,
    extract_links,
    find_urls,
    normalize_title,
    slugify,
    snippet,
)

HOSTILE = [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "![img](javascript:alert(1))",
    '<a href="javascript:alert(2)">x</a>',
    "<img src=x onerror=alert(1)>",
    '{: onclick="alert(1)" }',
    "*bold* _it_ `code` | a | b |",
    "<https://example.com>",
    "&lt;script&gt; already escaped",
    "[ref]: javascript:alert(1)\n[ref]",
]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.tags


def test_clean_latex_undoes_escapes_quotes_and_accents() -> None:
    assert clean_latex(r"5\% more \& less") == "5% more & less"
    assert clean_latex("``quoted'' text") == "\u201cquoted\u201d text"
    assert clean_latex(r'na\"ive G{\"a}rdenfors Fr\'echet') == "naïve Gärdenfors Fréchet"
    assert clean_latex(r"\textit{Gaussian-MAE}, \eg, {\it bold}") == "Gaussian-MAE, e.g., bold"


def test_urls_lose_trailing_punctuation_and_latex_leftovers() -> None:
    text = (
        "Code: https://github.com/a/b. Page (https://x.github.io/p/), "
        "www.github.com/m/l, https://g.com/Z{https://g.com/Z}. https://w.org/a_(b)"
    )
    urls = [u for _, _, u in find_urls(text)]
    assert urls == [
        "https://github.com/a/b", "https://x.github.io/p/", "www.github.com/m/l",
        "https://g.com/Z", "https://g.com/Z", "https://w.org/a_(b)",
    ]
    kinds = {link.url: link.kind for link in extract_links(text)}
    assert kinds["https://github.com/a/b"] == "code"
    assert kinds["https://x.github.io/p/"] == "project"
    assert "https://www.github.com/m/l" in kinds


def test_escaped_html_text_links_only_http_urls() -> None:
    out = escape_html_text('see https://github.com/a/b. <script>x</script> javascript:alert(1)')
    tags = elements(out)
    assert [t for t, _ in tags] == ["a"]
    assert tags[0][1]["href"] == "https://github.com/a/b"
    assert out.endswith("javascript:alert(1)")


def test_hostile_text_stays_inert_through_markdown() -> None:
    md = markdown.Markdown(extensions=["toc", "admonition", "attr_list", "tables"])
    for text in HOSTILE:
        html = md.reset().convert(escape_markdown(text))
        assert [t for t, _ in elements(html)] == ["p"], (text, html)
        visible = re.sub(r"<[^>]+>", "", html)
        assert "javascript" not in text or "javascript" in visible


@given(st.text(max_size=200))
def test_any_text_renders_as_a_single_plain_paragraph(text: str) -> None:
    html = markdown.markdown(escape_markdown(text), extensions=["toc", "admonition"])
    assert {t for t, _ in elements(html)} <= {"p"}


@given(st.text(max_size=300))
def test_slugs_are_ascii_and_cannot_leave_their_folder(title: str) -> None:
    slug = slugify(title)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)
    assert len(slug) <= 80


def test_normalized_titles_ignore_case_width_and_punctuation() -> None:
    assert normalize_title("Attention Is All You Need!") == normalize_title("attention  is all you—need")
    assert normalize_title("\uff21\uff22\uff23: x") == "abc x"


@given(st.text(alphabet=st.sampled_from("ab, .;\n\t\u00a0\u2026"), max_size=900), st.integers(1, 300))
def test_snippet_cuts_the_text_with_single_spaces_at_a_word(text: str, limit: int) -> None:
    whole = " ".join(text.split())  # what snippet reads the start of, however long the text
    cut = whole[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "\u2026"
    assert snippet(text, limit) == (whole if len(whole) <= limit else cut)
