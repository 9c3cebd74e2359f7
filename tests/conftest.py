"""Shared fixtures: a throw-away project folder laid out like a real one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "sources"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def make_project(root: Path, sources: list[Path] | None = None) -> Path:
    """Copy the site configuration into root and put the given dumps in root/sources."""
    for name in ("mkdocs.yml", "topics.yml"):
        shutil.copy(REPO / name, root / name)
    (root / "sources").mkdir()
    for source in sources or []:
        shutil.copy(source, root / "sources" / source.name)
    (root / "pyproject.toml").write_text(
        '[tool.sitegen]\nsources = ["sources"]\ncontent = "content"\n'
        'title = "Test list"\ndescription = "A list made by the tests."\n',
        encoding="utf-8",
    )
    return root


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project holding the small fixture dump, with the build date pinned."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    root = tmp_path / "proj"
    root.mkdir()
    make_project(root, [FIXTURES / "small.txt"])
    shutil.copy(FIXTURES / "topics.yml", root / "topics.yml")
    return root


@pytest.fixture
def seed_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project holding the five seed dumps."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    root = tmp_path / "seeds"
    root.mkdir()
    return make_project(root, sorted(SEEDS.glob("*.txt")))
