"""Safety: builds killed at any moment, and random curator edits that must survive rebuilds."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import frontmatter
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.build import build
from sitegen.buildcache import CACHE
from sitegen.config import load_config
from sitegen.pages import parse_page

from .conftest import FIXTURES, SEEDS, make_project, small_taxonomy

CACHE_NAME = Path(CACHE).name


def tree(content: Path) -> dict[str, bytes]:
    """Every file of a content folder but the build caches, which record local paths and file times."""
    return {p.relative_to(content).as_posix(): p.read_bytes()
            for p in sorted(content.rglob("*")) if p.is_file() and p.name not in ("state.json", CACHE_NAME)}


def _pages(folder: Path) -> int:
    try:
        return sum(1 for entry in os.scandir(folder) if entry.name.endswith(".md"))
    except FileNotFoundError:
        return 0


def _running_in(folder: Path) -> list[int]:
    """Processes whose working folder is this one (Linux: read from /proc)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            if Path(os.readlink(entry / "cwd")) == folder:
                found.append(int(entry.name))
    return found


@pytest.mark.parametrize("written", [0, 1, 150, 350, 500])
def test_a_build_killed_part_way_leaves_whole_pages_and_the_next_build_converges(
        tmp_path: Path, written: int) -> None:
    """Kill the build with SIGKILL once it has written `written` paper pages (0: before writing)."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600", "NO_MKDOCS_2_WARNING": "1"}
    reference, killed = tmp_path / "reference", tmp_path / "killed"
    for root in (reference, killed):
        root.mkdir()
        make_project(root, sorted(SEEDS.glob("*.txt")))
    command = [sys.executable, "-m", "sitegen", "build"]
    subprocess.run(command, cwd=reference, env=env, check=True, capture_output=True)

    proc = subprocess.Popen(command, cwd=killed, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    papers = killed / "content/papers"
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if (written == 0 and time.monotonic() > deadline - 59.7) or (written and _pages(papers) >= written):
            break
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # The build's helper processes notice and end: none is left waiting for ever.
    deadline = time.monotonic() + 20
    while Path("/proc/self").exists() and _running_in(killed) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running_in(killed) if Path("/proc/self").exists() else True
    if written:
        assert _pages(papers) < 614, "the build finished before it could be killed"
    papers = killed / "content/papers"
    for path in sorted(papers.glob("*.md")) if papers.is_dir() else []:
        page, problem = parse_page(path, path.read_text(encoding="utf-8"), path.name)
        assert page is not None, problem  # every page on disk is whole

    subprocess.run(command, cwd=killed, env=env, check=True, capture_output=True)
    assert tree(killed / "content") == tree(reference / "content")


EDITS = st.sampled_from(["tags", "rating", "title", "notes", "hidden", "links", "venue"])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("built")
    make_project(root, [FIXTURES / "small.txt"])
    small_taxonomy(root)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")
    build(load_config(root))
    return root


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 10), EDITS, st.text(
           alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)),
           min_size=1, max_size=6),
       again=st.booleans(), related=st.booleans(), fresh=st.booleans())
def test_random_curator_edits_survive_new_and_repeated_sources(
        built: Path, tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[int, str, str]],
        again: bool, related: bool, fresh: bool) -> None:
    root = tmp_path_factory.mktemp("edit")
    shutil.copytree(built, root, dirs_exist_ok=True)
    papers = sorted((root / "content/papers").glob("*.md"))
    expected: dict[Path, dict[str, object]] = {}
    notes: dict[Path, str] = {}
    for index, kind, value in edits:
        path = papers[index % len(papers)]
        post = frontmatter.load(path)
        want = expected.setdefault(path, {})
        if kind == "notes":
            post.content += f"\n\nNote: {value}\n"
            # python-frontmatter strips the text it writes: trailing white space is not the curator's to keep.
            notes[path] = f"Note: {value}".rstrip()
        else:
            new: object = {"tags": [value], "rating": len(value), "title": f"Edited {value}",
                           "hidden": True, "links": [], "venue": value}[kind]
            post[kind] = new
            want[kind] = new
        path.write_text(frontmatter.dumps(post, sort_keys=False) + "\n", encoding="utf-8")
    sources = root / "sources"
    if again:
        shutil.copy(FIXTURES / "small.txt", sources / "again.txt")
    if related:
        (sources / "more.csv").write_text(
            "title,authors,year,venue\n"
            '"SpinDet: Rotated Object Detection in Aerial Images",Ann Smith,2024,CVPR\n'
            '"Curating Reading Lists by Hand",Bo Chen,2023,\n', encoding="utf-8")
    if fresh:
        (sources / "new.jsonl").write_text('{"title": "A Brand New Paper", "abstract": "Fresh."}\n',
                                           encoding="utf-8")
    before = {p.name for p in (root / "content/papers").glob("*.md")}
    build(load_config(root))
    after = {p.name for p in (root / "content/papers").glob("*.md")}
    assert before <= after  # no page vanished
    for path, want in expected.items():
        meta = frontmatter.load(path).metadata
        for key, value in want.items():
            assert meta[key] == value, (path.name, key)
    for path, note in notes.items():
        assert note in path.read_text(encoding="utf-8")
    if fresh:
        assert "a-brand-new-paper.md" in after
