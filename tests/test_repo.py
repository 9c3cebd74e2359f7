"""The repository's own files: README commands, CI script, workflow, MkDocs config."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import REPO


def readme_commands() -> dict[str, str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.findall(r"<!-- (\w+-command) -->\s*```sh\n(.+?)\n```", text, re.S)
    return dict(found)


def test_readme_has_exactly_the_main_and_test_commands() -> None:
    commands = readme_commands()
    assert sorted(commands) == ["main-command", "test-command"]
    assert "sitegen serve" in commands["main-command"]  # it builds the list, then the site
    assert "pytest" in commands["test-command"]
    for command in commands.values():
        assert "\n" not in command


def test_ci_script_runs_the_readme_test_command() -> None:
    script = (REPO / ".ci/run").read_text(encoding="utf-8")
    assert "<!-- test-command -->" in script
    assert "-eq 5" in script  # pytest's "no tests collected" is not a pass


def test_workflow_passes_actionlint() -> None:
    actionlint = Path(sys.executable).parent / "actionlint"
    if not actionlint.exists():
        pytest.fail("actionlint is missing: install the test extras (pip install -e '.[test]')")
    run = subprocess.run([str(actionlint), "-no-color"], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_workflow_tests_builds_and_deploys_only_from_main() -> None:
    workflow = yaml.safe_load((REPO / ".github/workflows/site.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["build"]["steps"]
    commands = [s.get("run", "") for s in steps]
    assert any("pytest" in c for c in commands)
    assert commands.index("sitegen check") < commands.index("sitegen build")
    assert any(c == "mkdocs build --strict" for c in commands)
    uses = [s.get("uses", "") for s in steps] + [
        s.get("uses", "") for s in workflow["jobs"]["deploy"]["steps"]]
    for action in ("configure-pages", "upload-pages-artifact", "deploy-pages"):
        assert any(f"actions/{action}@" in u for u in uses)
    assert "refs/heads/main" in workflow["jobs"]["deploy"]["if"]


def test_mkdocs_config_has_the_site_features() -> None:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    config = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    assert config["docs_dir"] == "content"
    assert config["theme"]["name"] == "material"
    assert "custom_dir" not in config["theme"]  # the layouts come with the sitegen package
    assert config["plugins"][:2] == ["sitegen", "search"]
    assert "tags" not in config["plugins"]  # sitegen writes the tags page: Material's grows with the list
    features = set(config["theme"]["features"])
    assert {"navigation.instant", "search.suggest", "search.highlight", "search.share"} <= features
    assert len(config["theme"]["palette"]) == 2
    assert "/papers/" in config["not_in_nav"]


@pytest.mark.parametrize("tool", [["ruff", "check", "sitegen", "tests"], ["mypy"]])
def test_code_is_lint_and_type_clean(tool: list[str]) -> None:
    run = subprocess.run([sys.executable, "-m", *tool], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_committed_content_is_what_a_build_of_the_seeds_writes(tmp_path: Path) -> None:
    """A fresh clone's first build changes no committed file (git status stays clean)."""
    listed = subprocess.run(["git", "ls-files", "content"], cwd=REPO, capture_output=True, text=True)
    if listed.returncode != 0 or not listed.stdout.strip():
        pytest.skip("not a git checkout")
    root = tmp_path / "clone"
    for rel in listed.stdout.splitlines():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((REPO / rel).read_bytes())
    for name in ("pyproject.toml", "mkdocs.yml", "topics.yml"):
        (root / name).write_bytes((REPO / name).read_bytes())
    (root / "sources").mkdir()
    for seed in sorted((REPO / "sources").glob("*.txt")):
        (root / "sources" / seed.name).write_bytes(seed.read_bytes())
    subprocess.run([sys.executable, "-m", "sitegen", "build", "--force"], cwd=root, check=True,
                   capture_output=True)
    changed = [rel for rel in listed.stdout.splitlines()
               if (root / rel).read_bytes() != (REPO / rel).read_bytes()]
    assert changed == [], "run `sitegen build` and commit content/"
