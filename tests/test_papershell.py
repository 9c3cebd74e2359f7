"""A paper page leaves out what it never shows: permalinks, an empty Notes heading, Material's empty parts."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from mkdocs.structure.toc import get_toc

from sitegen.cli import main
from sitegen.mkdocs_plugin import fastpage
from sitegen.mkdocs_plugin.papershell import trim_content, trim_page, uses_clipboard

from .test_search import set_search
from .test_site import mkdocs_build

ANNOUNCE = '<div data-md-component="announce">\n      \n    </div>\n'
DIALOG = ('<div class="md-dialog" data-md-component="dialog">\n      '
          '<div class="md-dialog__inner md-typeset"></div>\n    </div>\n')


def rendered(body: str) -> SimpleNamespace:
    """A page as the fast path leaves it after rendering a body in sitegen's shape."""
    page = SimpleNamespace(file=object(), toc=None, present_anchor_ids=None, links_to_anchors=None)
    content = fastpage.body_html(body)
    assert content is not None
    fastpage.apply(page, content)
    page.links_to_anchors = {page.file: {"abstract": "#abstract", "notes": "#notes"}}
    return page


def body(notes: str) -> str:
    return f"{fastpage.COMMENT}\n\n## Abstract\n\n{fastpage.NO_ABSTRACT}\n\n## Notes\n{notes}"


def test_an_empty_notes_heading_and_the_permalinks_are_left_out() -> None:
    page = rendered(body(""))
    html = trim_content(page, page.content)
    assert html.endswith('<h2 id="abstract">Abstract</h2>\n'
                         "<p><em>None of the sources of this paper had an abstract.</em></p>")
    assert "headerlink" not in html and "Notes" not in html
    assert [item.id for item in page.toc] == ["abstract"]  # the skip link still goes to the abstract
    assert page.present_anchor_ids == {"abstract"}
    assert page.links_to_anchors[page.file] == {"abstract": "#abstract"}  # no link to a gone heading


def test_written_notes_keep_their_heading() -> None:
    page = rendered(body("\nRead it twice.\n"))
    html = trim_content(page, page.content)
    assert html.endswith('<h2 id="notes">Notes</h2>\n<p>Read it twice.</p>')
    assert [item.id for item in page.toc] == ["abstract", "notes"]
    assert page.present_anchor_ids == {"abstract", "notes"}


def test_the_heading_of_notes_a_curator_wrote_below_stays() -> None:
    page = SimpleNamespace(file=object(), toc=get_toc([]), present_anchor_ids={"notes"},
                           links_to_anchors=None)
    html = '<h2 id="notes">Notes</h2>\n<ul>\n<li>a list</li>\n</ul>'
    assert trim_content(page, html) == html and page.present_anchor_ids == {"notes"}


def test_materials_empty_parts_are_left_out_only_where_they_are_empty_or_unused() -> None:
    page = f"<body>\n{ANNOUNCE}<header></header>\n{DIALOG}<script></script>"
    assert trim_page(page, dialog=False) == "<body>\n<header></header>\n<script></script>"
    assert trim_page(page, dialog=True) == f"<body>\n<header></header>\n{DIALOG}<script></script>"
    banner = '<div data-md-component="announce"><aside class="md-banner">News</aside></div>'
    assert trim_page(banner, dialog=False) == banner


def test_the_dialog_is_for_copying() -> None:
    assert uses_clipboard(["content.code.copy"], material_search=False)
    assert uses_clipboard(["search.share"], material_search=True)
    assert not uses_clipboard(["search.share"], material_search=False)  # Pagefind's box shares nothing
    assert not uses_clipboard(["navigation.instant"], material_search=True)


@pytest.mark.parametrize("pagefind", [True, False])
def test_a_built_paper_page_carries_no_empty_parts(project: Path, pagefind: bool) -> None:
    assert CliRunner().invoke(main, ["build", "--project", str(project)]).exit_code == 0
    if pagefind:
        set_search(project, "      search: pagefind\n")
    built = mkdocs_build(project)
    assert built.returncode == 0, built.stderr
    site = project / "site"
    paper = next((site / "papers").glob("*/index.html")).read_text(encoding="utf-8")
    assert "data-md-component=announce" not in paper and "md-sidebar--secondary" not in paper
    assert "headerlink" not in paper and "<h2 id=abstract>Abstract</h2>" in paper
    assert "id=notes" not in paper  # no notes written yet
    assert paper.count("rel=stylesheet") == 3  # Material's two and sitegen.css, which holds the icons
    assert "sitegen-icons.css" not in paper
    css = (site / "assets/stylesheets/sitegen.css").read_text(encoding="utf-8")
    assert ".sitegen-icon-menu{--sitegen-icon:url(" in css and ".md-sidebar--primary + .md-content" in css
    home = (site / "index.html").read_text(encoding="utf-8")
    if pagefind:  # one script of sitegen's at the end, and nothing on the page copies
        assert "sitegen.js" not in paper and "sitegen-search.js" in paper and "data-pagefind=" not in paper
        assert "data-md-component=dialog" not in paper
        assert '"features":["navigation.instant","content.tooltips"],"translations":{}}' in paper
        assert '"clipboard.copied":"Copied to clipboard"' in home and "data-md-component=dialog" in home
        script = (site / "assets/javascripts/sitegen-search.js").read_text(encoding="utf-8")
        assert "sitegen-reading-state" in script  # sitegen.js comes with it
    else:  # Material's search box shares a search through the clipboard: its dialog says so
        assert "sitegen.js" in paper and "data-md-component=dialog" in paper
