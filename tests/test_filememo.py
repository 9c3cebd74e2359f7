"""The memo of what a file gave when read: read again after any change, never for an unchanged file."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sitegen.build import build
from sitegen.config import load_config
from sitegen.filememo import FileMemo, signature_of
from sitegen.mkdocs_plugin.plugin import off_site_keys
from sitegen.serving.preview import Preview


def counting(path: Path) -> tuple[FileMemo[str], list[str]]:
    reads: list[str] = []

    def read(name: str) -> str:
        reads.append(name)
        try:
            return Path(name).read_text(encoding="utf-8")
        except OSError:
            return "missing"

    return FileMemo(read), reads


def rewrite_keeping_size_and_mtime(path: Path, text: str) -> None:
    """Write the file in place with as many bytes, and put its modification time back (`touch -r`)."""
    old = path.stat()
    assert len(text.encode()) == old.st_size
    time.sleep(0.02)  # past a tick of the clock that stamps the status-change time
    with path.open("r+", encoding="utf-8") as handle:
        handle.write(text)
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))


def test_an_unchanged_file_is_read_once(tmp_path: Path) -> None:
    page = tmp_path / "a.md"
    page.write_text("one", encoding="utf-8")
    memo, reads = counting(page)
    assert [memo.get(str(page)) for _ in range(3)] == ["one"] * 3
    assert len(reads) == 1


def test_a_change_of_size_or_time_is_read_again(tmp_path: Path) -> None:
    page = tmp_path / "a.md"
    page.write_text("one", encoding="utf-8")
    memo, reads = counting(page)
    memo.get(str(page))
    page.write_text("three", encoding="utf-8")
    assert memo.get(str(page)) == "three"
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1_000_000))
    assert memo.get(str(page)) == "three"
    assert len(reads) == 3


def test_a_rewrite_with_the_same_size_and_modification_time_is_read_again(tmp_path: Path) -> None:
    page = tmp_path / "a.md"
    page.write_text("one", encoding="utf-8")
    memo, _ = counting(page)
    assert memo.get(str(page)) == "one"
    rewrite_keeping_size_and_mtime(page, "two")
    assert memo.get(str(page)) == "two"


def test_a_file_replaced_by_a_rename_is_read_again(tmp_path: Path) -> None:
    # As sitegen writes and many editors save: a new file renamed over the old one.
    page, new = tmp_path / "a.md", tmp_path / ".a.md.tmp"
    page.write_text("one", encoding="utf-8")
    memo, _ = counting(page)
    memo.get(str(page))
    old = page.stat()
    new.write_text("two", encoding="utf-8")
    os.utime(new, ns=(old.st_atime_ns, old.st_mtime_ns))
    os.replace(new, page)
    assert (page.stat().st_size, page.stat().st_mtime_ns) == (old.st_size, old.st_mtime_ns)
    assert memo.get(str(page)) == "two"


def test_a_missing_file_is_read_every_time_and_forgotten(tmp_path: Path) -> None:
    page = tmp_path / "a.md"
    page.write_text("one", encoding="utf-8")
    memo, reads = counting(page)
    memo.get(str(page))
    page.unlink()
    assert signature_of(str(page)) is None
    assert [memo.get(str(page)), memo.get(str(page))] == ["missing", "missing"]
    page.write_text("one", encoding="utf-8")
    assert memo.get(str(page)) == "one"
    assert len(reads) == 4


def test_keep_only_forgets_the_other_files(tmp_path: Path) -> None:
    kept, gone = tmp_path / "kept.md", tmp_path / "gone.md"
    for path in (kept, gone):
        path.write_text(path.stem, encoding="utf-8")
    memo, reads = counting(kept)
    memo.get(str(kept)), memo.get(str(gone))
    memo.keep_only({str(kept)})
    memo.get(str(kept)), memo.get(str(gone))
    assert reads == [str(kept), str(gone), str(gone)]


def test_the_preview_sees_a_page_rewritten_with_the_same_size_and_time(project: Path) -> None:
    config = load_config(project)
    build(config)
    preview = Preview(config)
    page = next((config.content / "papers").glob("spindet*.md"))
    text = page.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    assert "SpinDet" in title
    assert any(view.title.startswith("SpinDet") for view in preview.views())
    rewrite_keeping_size_and_mtime(page, text.replace(title, title.replace("SpinDet", "TurnDet")))
    titles = [view.title for view in preview.views()]
    assert any(t.startswith("TurnDet") for t in titles) and not any(t.startswith("SpinDet") for t in titles)


def test_the_plugin_sees_a_page_hidden_with_the_same_size_and_time(tmp_path: Path) -> None:
    page = tmp_path / "a.md"
    page.write_text("---\ntitle: A\nhidden: false\n---\n\nText.\n", encoding="utf-8")
    assert off_site_keys(str(page)) == {"hidden": False}
    rewrite_keeping_size_and_mtime(page, "---\ntitle: A\nhidden: true \n---\n\nText.\n")
    assert off_site_keys(str(page)) == {"hidden": True}
