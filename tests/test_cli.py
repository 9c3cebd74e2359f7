"""The command line, as a user runs it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from sitegen.cli import main


def test_build_prints_one_summary_line(project: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--project", str(project)])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines == [
        "sitegen: 4 records read from 1 files, 1 duplicates merged, 3 papers; files: 32 new, "
        "0 updated, 0 unchanged; 5 topics (2 papers tagged); 0 errors, 0 warnings"
    ]


def test_sources_and_content_options_override_the_config(
        project: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "other"
    other.mkdir()
    (other / "one.txt").write_text("One Title\n\n" + "An abstract sentence. " * 20, encoding="utf-8")
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["build", "--sources", str(other), "--content", "out"])
    assert result.exit_code == 0, result.output
    assert (project / "out/papers/one-title.md").exists()
    assert not (project / "content").exists()


def test_bad_config_lists_every_problem_and_exits_2(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.sitegen]\nsorces = "x"\ntitle = 1\n')
    result = CliRunner().invoke(main, ["build", "--project", str(project)])
    assert result.exit_code == 2
    assert "pyproject.toml:2: error: [tool.sitegen]: unknown setting 'sorces'" in result.output
    assert "did you mean 'sources'?" in result.output
    assert "pyproject.toml:3: error: [tool.sitegen]: 'title' must be a non-empty string" in result.output
    assert "Traceback" not in result.output


def test_strict_fails_on_input_problems(project: Path) -> None:
    (project / "sources/blob.bin").write_bytes(b"\x00")
    result = CliRunner().invoke(main, ["build", "--project", str(project), "--strict"])
    assert result.exit_code == 1
    assert "sources/blob.bin: error: binary file, not a text dump; skipped" in result.output


def test_format_option_overrides_detection(project: Path) -> None:
    (project / "sources/export.txt").write_text("title,year\nA Paper From a Misnamed CSV,2024\n",
                                                encoding="utf-8")
    (project / "sources/small.txt").unlink()
    result = CliRunner().invoke(main, ["build", "--project", str(project), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert (project / "content/papers/a-paper-from-a-misnamed-csv.md").exists()
    result = CliRunner().invoke(main, ["build", "--project", str(project), "--format", "yaml"])
    assert result.exit_code == 2 and "Invalid value for '--format'" in result.output


def test_serve_on_an_address_in_use_says_so_without_a_traceback(project: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--project", str(project),
                                           "--dev-addr", f"127.0.0.1:{port}"])
    assert result.exit_code == 2, result.output
    assert f"sitegen: error: cannot serve on 127.0.0.1:{port}: Address already in use" in result.output
    assert "--dev-addr" in result.output and "internal error" not in result.output
