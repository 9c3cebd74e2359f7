"""[tool.sitegen] configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.config import ConfigError, find_project, load_config


def test_defaults_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.sitegen]\nsources = "dumps"\n')
    config = load_config(tmp_path)
    assert config.sources == (tmp_path / "dumps",)
    assert config.content == tmp_path / "content"
    config = load_config(tmp_path, sources=("a", "b"), content="out")
    assert config.sources == (tmp_path / "a", tmp_path / "b")
    assert config.content == tmp_path / "out"
    assert find_project(tmp_path / "x" / "y") == tmp_path


def test_every_problem_is_reported_together(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.sitegen]\nsource = ["s"]\ncontent = 3\ntitle = ""\n'
    )
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    messages = [str(p) for p in info.value.problems]
    assert messages[0] == (
        "pyproject.toml:5: error: [tool.sitegen]: unknown setting 'source'\n"
        "  hint: did you mean 'sources'?"
    )
    assert "pyproject.toml:6: error: [tool.sitegen]: 'content' must be a non-empty string" in messages
    assert "pyproject.toml:7: error: [tool.sitegen]: 'title' must be a non-empty string" in messages
