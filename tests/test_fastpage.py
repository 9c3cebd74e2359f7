"""The fast path of paper pages: byte for byte what Python-Markdown writes, or not taken at all."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import meta

from sitegen.build import build
from sitegen.config import load_config as load_sitegen_config
from sitegen.mkdocs_plugin import fastpage, fastshell
from sitegen.models import Paper, SourceRef
from sitegen.output.render import environment, render_new_paper
from sitegen.text import escape_html_text

from .conftest import REPO

CONFIG = load_config(config_file=str(REPO / "mkdocs.yml"))
FILES = Files([])


def page_of(body: str, name: str = "papers/p.md") -> Page:
    file = File(name, src_dir=None, dest_dir="/site", use_directory_urls=True)
    page = Page(None, file, CONFIG)
    page.meta, page.markdown = {}, body
    return page


def markdown_render(body: str) -> tuple[Any, ...]:
    """What MkDocs' own rendering (Python-Markdown and the site's extensions) gives a body."""
    page = page_of(body)
    Page.render(page, CONFIG, FILES)
    return fastpage._rendered(page)


def fast_render(body: str) -> tuple[Any, ...] | None:
    content = fastpage.body_html(body)
    if content is None:
        return None
    page = page_of(body)
    fastpage.apply(page, content)
    return fastpage._rendered(page)


def assert_same_as_markdown(body: str) -> bool:
    """The fast path gives what Python-Markdown gives, where it is taken; whether it was."""
    fast = fast_render(body)
    if fast is not None:
        assert fast == markdown_render(body), body
    return fast is not None


def body_of(abstract: str | None, notes: str = "") -> str:
    """A paper page body as sitegen's template writes it, with notes after the Notes heading."""
    env = environment()
    text = env.get_template("paper.md.j2").render(abstract_html=escape_html_text(abstract or ""))
    return text.strip("\n") + "\n" + notes


def test_every_seed_page_takes_the_fast_path_and_renders_as_python_markdown_does() -> None:
    pages = sorted((REPO / "content/papers").glob("*.md"))
    assert len(pages) > 600
    for path in pages:
        body, _ = meta.get_data(path.read_text(encoding="utf-8"))
        assert assert_same_as_markdown(body), path.name


def test_pages_written_by_sitegen_take_the_fast_path() -> None:
    env = environment()
    ref = SourceRef("a.txt", 1, 3)
    for abstract in ("Plain text.", "", "See https://example.org/a?b=1&c=<2> and <script>alert(1)</script>."):
        paper = Paper("A & <b>title</b>", abstract, key="k", sources=(ref,))
        _, text = render_new_paper(env, paper, dt.date(2026, 1, 1))
        body, _ = meta.get_data(text)
        assert assert_same_as_markdown(body), abstract


def test_plain_notes_take_the_fast_path() -> None:
    for notes in ("", "\n", "\nRead it twice.\n", "\n\nGood baseline, weak ablations (see Table 3).\n"
                  "Compare with 2-stage methods: 12% better?\n\n\n\nAsk the authors \u201cwhy\u201d.\n",
                  "No blank line before this one", "\n\u00c9t\u00e9 \u2013 \u65e5\u672c\u8a9e.\n"):
        assert assert_same_as_markdown(body_of("An abstract.", notes)), notes


# Edited bodies and hostile text: none of these is in the shape the fast path knows.
EDITED_NOTES = [
    "\n# A heading\n", "\n## Notes\n", "\n- a list\n", "\n1. item\n", "\n2024. A year\n", "\n> quoted\n",
    "\n    code\n", "\n```\ncode\n```\n", "\nText\n---\n", "\nText\n===\n", "\n***\n", "\n!!! note\n    x\n",
    "\na | b\n--|--\n1 | 2\n", "\n**bold**\n", "\n_em_\n", "\n`code`\n", "\n[x](javascript:alert(1))\n",
    "\n[x](../other.md#part)\n", "\n<https://example.org>\n", "\n<script>alert(1)</script>\n",
    "\n<img src=x onerror=alert(1)>\n", "\nText {: onclick=\"alert(1)\" }\n", "\nA & B\n", "\nA &amp; B\n",
    "\nTwo spaces  \nbreak\n", "\ntrailing \n", "\n \n", "\n\tTab\n", "\nA\\*b\n", "\nA\x02wzxhzdk:0\x03\n",
    "\nCRLF\r\n", "\n[TOC]\n", "\n<div markdown>\n*x*\n</div>\n", "\nsnake_case\n", "\nA ~~strike~~\n",
    "\n*[HTML]: Hyper Text\n", "\n[1]: https://example.org\n", "\n: definition\n", "\nA\u00a0\n",
]
# (text of a body sitegen writes, what a curator or a hostile source made of it)
EDITS = [
    ("<p>x</p>", '<p><img src="x" onerror="alert(1)"></p>'), ("<p>x</p>", "<p>a</p>\n<p>b</p>"),
    ("<p>x</p>", '<p><a href="javascript:alert(1)" rel="nofollow noopener">x</a></p>'),
    ("<p>x</p>", '<p><a href="https://e.org" onclick="alert(1)">x</a></p>'), ("<p>x</p>", "<p>a\n\nb</p>"),
    ("<p>x</p>", "<p>&para; &#60;</p>"),
    ('<div class="sitegen-abstract">', '<div class="sitegen-abstract" markdown>'),
    ("## Abstract", "## Summary"), ("## Abstract", "## Abstract {#top}"), ("<!-- Written", "<!-- written"),
    ("\n\n## Notes", "\n\nMore text.\n\n## Notes"), ("## Notes\n", "## My notes\n"),
]
EDITED_BODIES = [body_of("x").replace(old, new) for old, new in EDITS] + [
    "# Title\n\n" + body_of("x"), body_of("x") + "\n## More\n",
]


@pytest.mark.parametrize("notes", EDITED_NOTES)
def test_notes_with_any_markdown_or_html_go_through_python_markdown(notes: str) -> None:
    assert fastpage.body_html(body_of("An abstract.", notes)) is None


@pytest.mark.parametrize("body", EDITED_BODIES)
def test_edited_abstracts_and_headings_go_through_python_markdown(body: str) -> None:
    assert fastpage.body_html(body) is None


def live_markup(html: str) -> list[str]:
    """Tags of the fast path's HTML other than the ones sitegen writes."""
    known = re.compile(r'</?(?:h2|p|em|div)\b[^>]*>|<a (?:class="headerlink" href="#\w+" title="Permanent '
                       r'link"|href="https?://[^"<>]*" rel="nofollow noopener")>|</a>|<!-- Written [^<>]*-->')
    return re.findall(r"<[^>]*>?", known.sub("", html))


ABSTRACT_TEXT = st.lists(st.sampled_from([
    *"ab <>&\"'*_`[](){}#!:/.=-\\|~\n\t\x02\x03\u00e9\u2014", "https://", "http://e.org/?q=1&r=2",
    "javascript:", "<script>", "</div>", "&amp;", "-->", "<!--", "{: onclick=x}", 'markdown="1"',
]), max_size=40).map("".join)
# Mostly what plain notes hold, now and then a character Markdown gives a meaning to.
NOTES_TEXT = st.lists(st.sampled_from([
    *"Ab1 .,;:?!'\"()/%+=-\n\u00e9\u201c\u201d\u2014", "Word", "\n\n", "\nA",
    *"*_<>&#[]{}`|\t\\", "  ", "\n-", "\n1. ",
]), max_size=30).map(lambda parts: "\nA" + "".join(parts))


@settings(max_examples=300, deadline=None)
@given(ABSTRACT_TEXT, NOTES_TEXT)
def test_random_abstracts_and_notes_render_as_python_markdown_does(abstract: str, notes: str) -> None:
    body = body_of(abstract, notes)
    assert_same_as_markdown(body)
    html = fastpage.body_html(body)
    if html is not None:
        assert live_markup(html) == [], html  # untrusted text never becomes markup


@settings(max_examples=100, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
       st.text(st.characters(exclude_categories=("Cs",)), max_size=30))
def test_any_characters_render_as_python_markdown_does(abstract: str, notes: str) -> None:
    assert_same_as_markdown(body_of(abstract, "\nA " + notes))


def read_both_ways(folder: Path, name: str) -> tuple[tuple[Any, Any], tuple[Any, Any], bool]:
    """(markdown, meta) of a page as MkDocs reads it, and as the fast path does; whether it read it."""
    pages = []
    path = fastpage.FastPath()
    for fast in (False, True):
        file = File(name, src_dir=str(folder), dest_dir="/site", use_directory_urls=True)
        page = Page(None, file, CONFIG)
        if fast:
            path.install(page)
        page.read_source(CONFIG)
        pages.append((page.markdown, page.meta))
        assert "read_source" not in vars(page)  # answered once; the class's own from then on
    return pages[0], pages[1], path.sources == 1


def test_front_matter_is_read_as_mkdocs_reads_it() -> None:
    for path in sorted((REPO / "content/papers").glob("*.md")):
        normal, fast, taken = read_both_ways(REPO / "content", f"papers/{path.name}")
        assert taken and fast == normal and normal[1], path.name


def test_front_matter_sitegen_does_not_write_is_read_by_pyyaml_as_before(tmp_path: Path) -> None:
    (tmp_path / "papers").mkdir()
    body = body_of("An abstract.")
    cases = {  # front matter, and whether the fast path reads it
        "aliases": ("---\na: &x [1, 2]\nb: *x\n---\n", False),  # refused by the plugin: no front matter
        "nested": ("---\ntitle: T\nextra:\n  a: 1\n---\n", False),
        "quoted": ('---\ntitle: "T: x"\n---\n', False),
        "flow": ("---\ntags: [a, b]\n---\n", False),
        "broken": ("---\ntitle: [unclosed\n---\n", False),
        "none": ("", False),
        "dots": ("---\ntitle: T\n...\n", True),  # YAML's other end marker: MkDocs reads it too
    }
    for name, (front, fast_read) in cases.items():
        (tmp_path / f"papers/{name}.md").write_text(front + body, encoding="utf-8")
        normal, fast, taken = read_both_ways(tmp_path, f"papers/{name}.md")
        assert fast == normal and taken == fast_read, name
    assert read_both_ways(tmp_path, "papers/aliases.md")[1][1] == {}


def config_with(tmp_path: Path, extensions: str) -> Any:
    (tmp_path / "docs").mkdir(exist_ok=True)
    config = tmp_path / "mkdocs.yml"
    config.write_text(f"site_name: t\nmarkdown_extensions:\n{extensions}", encoding="utf-8")
    return load_config(config_file=str(config))


def test_the_fast_path_is_used_only_where_the_sites_markdown_renders_as_it_does(tmp_path: Path) -> None:
    assert fastpage.verified(CONFIG, FILES)
    project = "".join(f"  - {name}\n" for name in ("admonition", "attr_list", "md_in_html"))
    assert fastpage.verified(config_with(tmp_path, "  - toc:\n      permalink: true\n" + project), FILES)
    # Other heading permalinks, no permalinks, other extensions: every page through Python-Markdown.
    assert not fastpage.verified(config_with(tmp_path, "  - toc:\n      permalink: '#'\n" + project), FILES)
    assert not fastpage.verified(config_with(tmp_path, project), FILES)
    for other in ("smarty", "abbr", "pymdownx.magiclink"):
        assert not fastpage.verified(config_with(tmp_path, f"  - toc:\n      permalink: true\n  - {other}\n"),
                                     FILES)


def built_site(project: Path, site: str,
               fast: bool) -> tuple[dict[str, bytes], fastpage.FastPath | None, fastshell.Shells | None]:
    """Every file of the site built with or without the fast paths, and the plugin's fast path and
    shells of that build (the plugin is one object across builds: read them before the next)."""
    config = load_config(config_file=str(project / "mkdocs.yml"), site_dir=str(project / site))
    config.plugins["sitegen"].config.fast_pages = fast
    config.plugins.on_startup(command="build", dirty=False)
    mkdocs_build(config)
    out = project / site
    plugin = config.plugins["sitegen"]
    return ({str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()},
            plugin.fast_path, plugin.shells)


def test_a_site_built_with_and_without_the_fast_path_is_the_same(project: Path) -> None:
    build(load_sitegen_config(project))
    papers = sorted((project / "content/papers").glob("*.md"))
    # A curator's edited page and plain notes: one goes through Python-Markdown, one does not.
    papers[0].write_text(papers[0].read_text(encoding="utf-8") + "\nSee [the code](https://example.org) "
                         "and *this*.\n", encoding="utf-8")
    papers[1].write_text(papers[1].read_text(encoding="utf-8") + "\nRead it twice.\n", encoding="utf-8")
    fast, used, _ = built_site(project, "site-fast", True)
    slow, unused, _ = built_site(project, "site-slow", False)
    assert unused is None and used is not None
    assert used.usable and used.pages == len(papers) - 1
    assert fast.keys() == slow.keys()
    assert [name for name in fast if fast[name] != slow[name]] == []
    assert "<em>this</em>" in fast[f"papers/{papers[0].stem}/index.html"].decode()


def render_generated(body: str, name: str) -> tuple[tuple[Any, ...], tuple[Any, ...], bool]:
    """A generated page rendered by Python-Markdown whole, and with its big raw blocks set aside."""
    normal = page_of(body, name)
    Page.render(normal, CONFIG, FILES)
    blocks = fastpage.RawBlocks()
    aside = page_of(body, name)
    aside.markdown = blocks.set_aside(aside, body, CONFIG)
    used = aside.markdown != body
    Page.render(aside, CONFIG, FILES)
    aside.content = blocks.put_back(aside, aside.content)
    return fastpage._rendered(normal), fastpage._rendered(aside), used


def test_topic_lists_set_aside_render_as_python_markdown_renders_them() -> None:
    content = REPO / "content"
    pages = [*sorted((content / "topics").glob("*.md")), content / "tags.md", content / "index.md"]
    taken = 0
    for path in pages:
        body, _ = meta.get_data(path.read_text(encoding="utf-8"))
        normal, aside, used = render_generated(body, f"topics/{path.name}")
        assert aside == normal, path.name
        taken += used
    assert taken >= len(pages) // 2


ITEM = '<li><a href="../papers/p.md" data-year="2024">A &amp; B &lt;i&gt;</a> &middot; x<br>\n  y</li>\n'


@pytest.mark.parametrize(("inner", "set_aside"), [
    ("<ul>\n" + ITEM * 40 + "</ul>", True),
    ('<ul id="list" hidden>\n' + ITEM * 40 + '<li><a name="here">x</a></li>\n</ul>', True),  # anchors kept
    ("<ul>\n" + ITEM * 40 + "\n</ul>", False),  # a blank line
    ("<ul>\n" + ITEM * 40 + "<div>x</div>\n</ul>", False),  # a <div> of its own
    ("<ul>\n" + ITEM * 40 + "<li markdown>*x*</li>\n</ul>", False),
    ("<ul>\n" + ITEM * 40 + "<li>A & B</li>\n</ul>", False),  # a bare ampersand
    ("<ul>\n" + ITEM * 40 + "<li id>x</li>\n</ul>", False),
    ("<UL>\n" + ITEM * 40 + "</UL>", False),
    ("<ul>\n" + ITEM + "</ul>", False),  # small: not worth it
])
def test_only_plain_raw_blocks_are_set_aside(inner: str, set_aside: bool) -> None:
    body = f'# Topic\n\nText.\n\n<div class="sitegen-papers" data-search-exclude>\n{inner}\n</div>\n\nEnd.\n'
    normal, aside, used = render_generated(body, "topics/t.md")
    assert used == set_aside
    assert aside == normal
