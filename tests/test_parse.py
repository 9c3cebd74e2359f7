"""Parsing Hugging Face Papers page copies."""

from __future__ import annotations

from pathlib import Path

from sitegen.readers.parse import SourceFile, collect_sources, parse_hf_text, parse_sources

from .conftest import FIXTURES, SEEDS

LONG = "This abstract is long enough to be an abstract. " * 10


def source(name: str = "x.txt") -> SourceFile:
    return SourceFile(Path(name), name, f"sources/{name}")


def test_seeds_give_736_records_with_lines_and_dates() -> None:
    files, problems = collect_sources([SEEDS], SEEDS.parent)
    records, issues = parse_sources(files)
    assert not problems and not issues
    assert len(records) == 736
    first = records[0]
    assert first.title.startswith("FeatEnHancer")
    assert (first.source.record, first.source.line, first.listed) == (1, 11, "Mar 11")
    glued = next(r for r in records if r.source.file.startswith("002_") and r.source.record == 1)
    assert glued.title.startswith("SpinNet: Learning a General Surface Descriptor")
    assert glued.source.line == 3
    assert not any(r.title.startswith("Subscribe") for r in records)


def test_blank_line_layout_with_noise_and_dates() -> None:
    records, problems = parse_hf_text(
        (FIXTURES / "small.txt").read_text(encoding="utf-8"), source("small.txt")
    )
    assert not problems
    assert [r.listed for r in records] == ["Mar 11", "Mar 11", "Aug 21", "Aug 21"]
    assert [r.source.record for r in records] == [1, 2, 3, 4]
    assert "3% on DOTA" in records[0].abstract
    assert "\u201cmonosemantic\u201d" in records[1].abstract and "naïve" in records[1].abstract


def test_missing_abstracts_are_reported_with_their_line() -> None:
    text = f"Subscribe\nFirst Title\n{LONG}\nOrphan Title\nThird Title\n{LONG}\nLast Title\n"
    records, problems = parse_hf_text(text, source())
    assert [r.title for r in records] == ["First Title", "Third Title"]
    assert [(p.line, p.level) for p in problems] == [(4, "warning"), (7, "warning")]
    assert str(problems[0]).startswith("sources/x.txt:4: warning: title 'Orphan Title' has no abstract")


def test_glued_title_after_a_date_line_is_unglued() -> None:
    records, problems = parse_hf_text(f"Mar 11\nSubscribeGlued Title\n{LONG}\n", source())
    assert not problems
    assert (records[0].title, records[0].listed) == ("Glued Title", "Mar 11")


def test_abstract_without_title_is_reported() -> None:
    records, problems = parse_hf_text(f"{LONG}\nA Title\n{LONG}\n", source())
    assert len(records) == 1 and problems[0].line == 1


def test_binary_and_non_utf8_files_are_skipped_with_a_message(tmp_path: Path) -> None:
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01binary")
    (tmp_path / "latin.txt").write_bytes(b"Title\n" + "caf\xe9".encode("latin-1"))
    (tmp_path / ".hidden").write_text("ignored")
    files, _ = collect_sources([tmp_path], tmp_path)
    assert [f.name for f in files] == ["blob.bin", "latin.txt"]
    records, problems = parse_sources(files)
    assert records == []
    messages = [str(p) for p in problems]
    assert "blob.bin: error: binary file" in messages[0]
    assert "latin.txt:2: error: not UTF-8 text" in messages[1]


def test_missing_source_path_is_an_error(tmp_path: Path) -> None:
    _, problems = collect_sources([tmp_path / "nope"], tmp_path)
    assert str(problems[0]) == "nope: error: no such file or folder"
