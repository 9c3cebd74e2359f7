"""End to end as a new user: the wheel in a fresh venv, `sitegen new`, `sitegen build`, `mkdocs build`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import SEEDS, run_checked

pytestmark = pytest.mark.wheel


def installed_package(bin_dir: Path, env: dict[str, str]) -> Path:
    where = run_checked([str(bin_dir / "python"), "-c", "import sitegen; print(sitegen.__file__)"],
                        bin_dir, env).stdout.strip()
    return Path(where).parent


def test_the_wheel_carries_the_layouts_and_what_new_writes(wheel_venv: tuple[Path, dict[str, str]]) -> None:
    package = installed_package(*wheel_venv)
    for name in ("main.html", "paper.html", "assets/javascripts/sitegen.js",
                 "assets/javascripts/sitegen-search.js", "assets/stylesheets/sitegen.css"):
        assert (package / "theme" / name).is_file(), name
    for name in ("mkdocs.yml", "topics.yml", "pyproject.toml.j2", "site.yml"):
        path = package / "skeleton" / name
        assert path.is_file() and not path.is_symlink(), name
    assert sorted(p.name for p in (package / "skeleton/seeds").iterdir()) == sorted(
        p.name for p in SEEDS.glob("*.txt"))


def test_an_empty_list_builds_a_valid_site_that_says_how_to_start(generated_lists: dict[str, Path]) -> None:
    folder = generated_lists["empty"]
    assert not (folder / "overrides").exists()
    home = (folder / "site/index.html").read_text(encoding="utf-8")
    assert "<title>Home - My list</title>" in home
    assert "This list has no papers yet" in home and "sources/first.txt" in home
    assert "Recently added" not in home
    assert "assets/javascripts/sitegen.js" in home
    assert (folder / "site/assets/javascripts/sitegen.js").is_file()
    assert (folder / "site/topics/object-detection/index.html").is_file()
    assert not (folder / "site/papers").exists()


def test_the_seed_list_builds_with_the_packaged_layouts(generated_lists: dict[str, Path]) -> None:
    site = generated_lists["seeds"] / "site"
    papers = list((site / "papers").glob("*/index.html"))
    assert len(papers) == 614
    paper = (site / "papers/ssd-single-shot-multibox-detector/index.html").read_text(encoding="utf-8")
    # Minified: attribute values without spaces have no quotes.
    for marker in ("class=sitegen-provenance>", "id=where-it-was-found>", "assets/stylesheets/sitegen.css"):
        assert marker in paper, marker
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    assert any(doc["location"] == "papers/ssd-single-shot-multibox-detector/" for doc in index["docs"])
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "no papers yet" not in home and "614 papers" in home


def test_sitegen_check_passes_in_the_new_lists(wheel_venv: tuple[Path, dict[str, str]],
                                               generated_lists: dict[str, Path]) -> None:
    bin_dir, env = wheel_venv
    for folder in generated_lists.values():
        done = run_checked([str(bin_dir / "sitegen"), "check"], folder, env)
        assert " 0 errors" in done.stdout and "overrides" not in done.stdout + done.stderr
