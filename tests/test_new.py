"""`sitegen new`: a complete project from the package's own files, refusals, --force, prompts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from sitegen import cli
from sitegen.config import DEFAULTS, load_config
from sitegen.mkdocs_plugin.layouts import _MkDocsLoader
from sitegen.readers.parse import collect_sources

from .conftest import REPO, SEEDS

PROJECT_FILES = [
    ".github/workflows/site.yml", ".gitignore", "README.md", "mkdocs.yml", "pyproject.toml",
    "requirements.txt", "sources/README.md", "topics.yml",
]


def new(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli.main, ["new", *args], input=input)


def files_in(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def mkdocs_config(folder: Path) -> dict[str, object]:
    config = yaml.load((folder / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_MkDocsLoader)
    assert isinstance(config, dict)
    return config


def test_new_writes_a_complete_project(tmp_path: Path) -> None:
    folder = tmp_path / "list"
    result = new(str(folder), "--title", "My list", "--description", "Papers I read.")
    assert result.exit_code == 0, result.output
    assert f"sitegen new: 8 files written in {folder}, 0 kept" in result.output
    assert files_in(folder) == PROJECT_FILES
    assert (folder / "content").is_dir() and (folder / "sources").is_dir()
    config = load_config(folder)
    assert (config.title, config.description) == ("My list", "Papers I read.")
    assert config.sources == (folder / "sources",)
    # The repository's own site configuration, with the list's name: no custom_dir, sitegen's plugin first.
    site = mkdocs_config(folder)
    assert (site["site_name"], site["site_description"]) == ("My list", "Papers I read.")
    assert {**site, "site_name": "", "site_description": ""} == {
        **mkdocs_config(REPO), "site_name": "", "site_description": ""}
    assert (folder / "topics.yml").read_bytes() == (REPO / "topics.yml").read_bytes()
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# My list\n\nPapers I read.\n")
    assert readme.count("```sh\n") == 2 and ".venv/bin/sitegen build && .venv/bin/mkdocs serve" in readme
    assert "sitegen" in (folder / "requirements.txt").read_text(encoding="utf-8").splitlines()[-1]
    assert "/site/" in (folder / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_the_new_workflow_passes_actionlint_and_publishes_main(tmp_path: Path) -> None:
    assert new(str(tmp_path / "list"), "--title", "x").exit_code == 0
    path = tmp_path / "list/.github/workflows/site.yml"
    actionlint = Path(sys.executable).parent / "actionlint"
    run = subprocess.run([str(actionlint), "-no-color", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    commands = [s.get("run", "") for s in workflow["jobs"]["build"]["steps"]]
    assert commands[commands.index("sitegen check"):][:3] == ["sitegen check", "sitegen build",
                                                              "mkdocs build --strict"]
    assert "python -m pip install -r requirements.txt" in commands
    assert "refs/heads/main" in workflow["jobs"]["deploy"]["if"]


def test_titles_with_quotes_and_backslashes_survive_toml_and_yaml(tmp_path: Path) -> None:
    title, description = 'Cats: "the \\ list" # 1', "Line one\nline two: 'quoted'"
    assert new(str(tmp_path / "list"), "--title", title, "--description", description).exit_code == 0
    config = load_config(tmp_path / "list")
    assert (config.title, config.description) == (title, description)
    site = mkdocs_config(tmp_path / "list")
    assert (site["site_name"], site["site_description"]) == (title, description)


def test_a_non_empty_folder_is_refused_and_left_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = new(str(tmp_path), "--title", "x")
    assert result.exit_code == 2
    assert f"sitegen: error: {tmp_path} is not empty" in result.output
    assert "hint: choose a new folder, or add --force" in result.output
    assert files_in(tmp_path) == ["notes.txt"]


def test_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "list").write_text("", encoding="utf-8")
    result = new(str(tmp_path / "list"), "--title", "x")
    assert result.exit_code == 2 and "is a file" in result.output


def test_force_writes_the_missing_files_and_overwrites_nothing(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.sitegen]\ntitle = "Kept"\n', encoding="utf-8")
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources/README.md").write_text("my notes\n", encoding="utf-8")
    (tmp_path / "sources/mine.txt").write_text("a dump\n", encoding="utf-8")
    result = new(str(tmp_path), "--title", "New", "--force")
    assert result.exit_code == 0, result.output
    assert "kept pyproject.toml (exists)" in result.output
    assert "kept sources/README.md (exists)" in result.output
    assert "6 files written" in result.output and "2 kept" in result.output
    assert load_config(tmp_path).title == "Kept"
    assert (tmp_path / "sources/README.md").read_text(encoding="utf-8") == "my notes\n"
    assert (tmp_path / "sources/mine.txt").read_text(encoding="utf-8") == "a dump\n"
    assert set(PROJECT_FILES) <= set(files_in(tmp_path))
    again = new(str(tmp_path), "--force")
    assert again.exit_code == 0 and "0 files written" in again.output and "8 kept" in again.output


def test_off_a_terminal_nothing_is_asked(tmp_path: Path) -> None:
    result = new(str(tmp_path / "my_reading-list"), input="Typed title\nTyped description\n")
    assert result.exit_code == 0, result.output
    assert "Title" not in result.output
    config = load_config(tmp_path / "my_reading-list")
    assert (config.title, config.description) == ("My reading list", DEFAULTS["description"])


def test_on_a_terminal_title_and_description_are_asked(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    result = new(str(tmp_path / "cats"), input="Cat papers\n\n")
    assert result.exit_code == 0, result.output
    assert "Title [Cats]: " in result.output and f"Description [{DEFAULTS['description']}]: " in result.output
    config = load_config(tmp_path / "cats")
    assert (config.title, config.description) == ("Cat papers", DEFAULTS["description"])
    given = new(str(tmp_path / "dogs"), "--title", "Dogs", "--description", "Woof.")
    assert "Title" not in given.output and load_config(tmp_path / "dogs").title == "Dogs"


@pytest.mark.parametrize(("args", "message"), [
    (["--title", "  "], "the title must not be empty"),
    (["--title", "Two\nlines"], "the title holds a control character"),
    (["--title", "x", "--description", "bell \x07"], "the description holds a control character"),
    (["--title", "bytes \udcff"], "undecodable bytes"),  # what Python makes of a non-UTF-8 argument
    (["--title", "x", "--description", "next\u2028line"], "the description holds a control character"),
])
def test_unwritable_titles_and_descriptions_are_refused(tmp_path: Path, args: list[str],
                                                        message: str) -> None:
    result = new(str(tmp_path / "list"), *args)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "list").exists()


def test_any_other_text_is_kept_as_typed(tmp_path: Path) -> None:
    title = "Café ✓ 日本語 <b>& \\ 'x'"
    assert new(str(tmp_path / "list"), "--title", title).exit_code == 0
    assert load_config(tmp_path / "list").title == title
    assert mkdocs_config(tmp_path / "list")["site_name"] == title


def test_with_seeds_copies_the_five_seed_dumps(tmp_path: Path) -> None:
    assert new(str(tmp_path / "demo"), "--title", "Demo", "--with-seeds").exit_code == 0
    seeds = sorted(SEEDS.glob("*.txt"))
    assert len(seeds) == 5
    for seed in seeds:
        assert (tmp_path / "demo/sources" / seed.name).read_bytes() == seed.read_bytes()


def test_the_sources_readme_is_not_read_as_a_listing(tmp_path: Path) -> None:
    assert new(str(tmp_path / "list"), "--title", "x").exit_code == 0
    (tmp_path / "list/sources/first.txt").write_text("A paper title\n", encoding="utf-8")
    files, problems = collect_sources([tmp_path / "list/sources"], tmp_path / "list")
    assert [f.name for f in files] == ["first.txt"] and problems == []
