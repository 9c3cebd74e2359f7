"""The packaged layouts: on the theme's path, overridable file by file, versioned for `sitegen check`."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import quote

import material
import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.mkdocs_plugin.layouts import THEME, check_layouts, packaged_layouts, template_version
from sitegen.mkdocs_plugin.plugin import STATIC_TEMPLATES

from .test_site import mkdocs_build

# What each packaged file held at its version. A file changed without raising its version would
# leave projects that override it unwarned: raise `sitegen-template: NAME vN` and record the new digest.
RELEASED = {
    "assets/javascripts/sitegen-palette.js": (1, "60fa10b14aab"),
    "assets/javascripts/sitegen-search.js": (6, "d0c43939f00a"),
    "assets/javascripts/sitegen-shell.js": (2, "f21ee895914a"),
    "assets/javascripts/sitegen.js": (3, "ea6b2611d2bd"),
    "assets/stylesheets/sitegen-icons.css": (1, "e9207ab519e4"),
    "assets/stylesheets/sitegen.css": (2, "7bf66d0a8aa7"),
    "main.html": (5, "c7f98478d91f"),
    "paper.html": (6, "812431d8580d"),
    "partials/javascripts/base.html": (2, "7f4504bb4612"),
    "partials/javascripts/content.html": (1, "d6ba9e272564"),
    "partials/sitegen-logo.html": (1, "c9063414ef6a"),
    "partials/top.html": (1, "dff22938f01d"),
    "sitegen-paper-shell.html": (1, "513fcebf42ac"),
}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()[:12]


def test_every_packaged_file_carries_the_version_of_its_content() -> None:
    found = {layout.path: layout.version for layout in packaged_layouts()}
    assert sorted(found) == sorted(RELEASED), (
        "each file of sitegen/theme/ needs a `sitegen-template: NAME v1` comment and its digest in RELEASED: "
        + ", ".join(f"{name} {digest(THEME / name)!r}" for name in sorted(set(found) - set(RELEASED))))
    for name, (version, known) in RELEASED.items():
        now = digest(THEME / name)
        assert (found[name], now) == (version, known), (
            f"sitegen/theme/{name} is not v{version} as released ({known!r}): raise the version in its "
            f"`sitegen-template` comment to v{version + 1} and record ({version + 1}, {now!r}) in RELEASED")
        assert f"sitegen-template: {name} v{found[name]}" in (THEME / name).read_text(encoding="utf-8")


def test_template_version_reads_the_comment() -> None:
    assert template_version("{#- sitegen-template: paper.html v12 -#}\n<p>") == 12
    assert template_version("/* sitegen-template: assets/stylesheets/sitegen.css v3 */") == 3
    assert template_version("{% extends 'base.html' %}") is None


def override(root: Path, name: str, text: str) -> None:
    path = root / "overrides" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  name: material\n", "  name: material\n  custom_dir: overrides\n", 1), encoding="utf-8")


def test_check_warns_about_overrides_older_than_the_packaged_layout(project: Path) -> None:
    current = {layout.path: layout.version for layout in packaged_layouts()}
    override(project, "paper.html", "{% extends 'main.html' %}")  # a copy from before versions
    override(project, "main.html", f"{{# sitegen-template: main.html v{current['main.html']} #}}")
    css = "assets/stylesheets/sitegen.css"
    override(project, css, f"/* sitegen-template: {css} v{current[css] - 1} */")
    override(project, "partials/footer.html", "<footer></footer>")  # Material's own: not sitegen's to judge
    result = CliRunner().invoke(main, ["check", "--project", str(project)])
    assert result.exit_code == 0, result.output
    assert "sitegen check: 0 errors, 2 warnings" in result.output
    assert (f"overrides/paper.html: warning: overrides sitegen's paper.html (now v{current['paper.html']}) "
            "with a copy of unknown version") in result.output
    assert (f"overrides/{css}: warning: overrides sitegen's {css} v{current[css]} with a copy of "
            f"v{current[css] - 1}: it misses what changed since") in result.output
    assert f"hint: delete it to use sitegen's layout; or merge the changes of {THEME / css}" in result.output
    assert "main.html" not in result.output.replace("sitegen-template: main.html", "")
    strict = CliRunner().invoke(main, ["check", "--strict", "--project", str(project)])
    assert strict.exit_code == 1


def test_check_warns_about_a_copy_newer_than_this_sitegen(project: Path) -> None:
    version = template_version((THEME / "paper.html").read_text(encoding="utf-8")) or 0
    override(project, "paper.html", f"{{# sitegen-template: paper.html v{version + 1} #}}")
    problems = check_layouts(project)
    assert [(p.path, p.hint) for p in problems] == [
        ("overrides/paper.html", "upgrade sitegen: pip install -U sitegen")]


def test_check_warns_when_mkdocs_yml_lacks_the_plugin(project: Path) -> None:
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("  - sitegen\n", ""), encoding="utf-8")
    problems = check_layouts(project)
    assert len(problems) == 1 and problems[0].message == "the sitegen plugin is not listed under `plugins`"
    assert problems[0].line == next(i for i, line in enumerate(config.read_text().splitlines(), 1)
                                    if line.startswith("plugins:"))


def test_check_without_mkdocs_yml_says_nothing(tmp_path: Path) -> None:
    assert check_layouts(tmp_path) == []


@pytest.fixture
def built_with_override(project: Path) -> Path:
    mine = '{% block content %}<p id="mine">my layout</p>{{ page.content }}{% endblock %}'
    override(project, "paper.html", '{% extends "main.html" %}\n' + mine)
    result = CliRunner().invoke(main, ["build", "--project", str(project)])
    assert result.exit_code == 0, result.output
    built = mkdocs_build(project)
    assert built.returncode == 0, built.stderr
    return project / "site"


def test_a_projects_override_wins_file_by_file(built_with_override: Path) -> None:
    paper = next((built_with_override / "papers").glob("*/index.html")).read_text(encoding="utf-8")
    assert "<p id=mine>my layout</p>" in paper and "sitegen-provenance" not in paper  # minified
    assert "assets/stylesheets/sitegen.css" in paper  # main.html still comes from the package
    for layout in packaged_layouts():
        if layout.path in STATIC_TEMPLATES:  # rendered with the configuration
            built = (built_with_override / layout.path).read_text(encoding="utf-8")
            # (sitegen-search.js holds sitegen.js, a plain file, with its version comment)
            assert "{%" not in built and "{#" not in built and f"sitegen-template: {layout.path}" not in built
            assert "sitegen" in built.splitlines()[0]
        elif layout.path.startswith("assets/"):
            assert (built_with_override / layout.path).read_bytes() == (THEME / layout.path).read_bytes()


def test_the_page_shell_draws_its_icons_from_one_stylesheet_rendered_from_the_settings(project: Path) -> None:
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "icon: material/weather-night", "icon: material/brightness-4", 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--project", str(project)])
    assert result.exit_code == 0, result.output
    built = mkdocs_build(project)
    assert built.returncode == 0, built.stderr
    site = project / "site"
    paper = next((site / "papers").glob("*/index.html")).read_text(encoding="utf-8")
    assert "<path" not in paper  # no inline icon
    for name in ("logo", "menu", "search", "previous", "share", "close", "top"):
        assert f"<svg class=sitegen-icon-{name}></svg>" in paper, name
    # The palette toggle is built by its script, from mkdocs.yml's palette.
    assert "data-md-component=palette" not in paper and "assets/javascripts/sitegen-palette.js" in paper
    toggle = (site / "assets/javascripts/sitegen-palette.js").read_text(encoding="utf-8")
    assert '"toggle": "Switch to dark mode"' in toggle and '"scheme": "slate"' in toggle
    icons = (site / "assets/stylesheets/sitegen-icons.css").read_text(encoding="utf-8")
    night = quote((Path(material.__file__).parent / "templates/.icons/material/brightness-4.svg").read_text(
        encoding="utf-8"))
    assert f'.sitegen-icon-palette-0{{--sitegen-icon:url("data:image/svg+xml,{night}")}}' in icons
