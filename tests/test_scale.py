"""What keeps large lists workable: paged topic lists, a bounded tags page, a lean search index,
related papers from candidates, and stage timings."""

from __future__ import annotations

import json
from pathlib import Path

import frontmatter
import pytest
from click.testing import CliRunner

from sitegen import parallel
from sitegen.buildcache import CACHE
from sitegen.cli import main
from sitegen.mkdocs_plugin.plugin import compact_search_index
from sitegen.output import related, site

from .conftest import SEEDS
from .test_site import Injections, mkdocs_build


def _detection_papers(project: Path, count: int) -> None:
    lines = [json.dumps({"title": f"Object detection with {word} anchors",
                         "abstract": f"A detector built on {word} anchors; bounding boxes improve."})
             for word in ("oval", "square", "hexagonal", "learned", "sparse", "dense", "rotated")[:count]]
    (project / "sources/detection.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_long_topic_lists_are_paged_and_pages_link_each_other(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(site, "PAGE_SIZE", 3)
    _detection_papers(project, 7)
    result = CliRunner().invoke(main, ["build", "--project", str(project)])
    assert result.exit_code == 0, result.output
    topics = project / "content/topics"
    first = frontmatter.load(topics / "object-detection.md")
    second = frontmatter.load(topics / "object-detection-page-2.md")
    assert first["topic"] == "Object detection" and "topic" not in second.metadata  # chips go to page 1
    assert second["title"] == "Object detection (page 2)"
    assert second.content.count('href="../papers/') == 3  # topic lists are HTML
    assert "[1](object-detection.md) · **2** · [3](object-detection-page-3.md)" in second.content
    assert "(here 4\u20136)" in second.content
    listed = [frontmatter.load(p).content for p in topics.glob("object-detection*.md")]
    total = sum(text.count('href="../papers/') for text in listed)
    assert total == int(first.content.split("**", 2)[1].split()[0])  # every paper on exactly one page
    built = mkdocs_build(project)  # --strict: every pager link resolves
    assert built.returncode == 0, built.stderr
    assert (project / "site/topics/object-detection-page-3/index.html").is_file()
    # Later pages stay out of the navigation, so other pages do not grow with the list.
    home = (project / "site/index.html").read_text(encoding="utf-8")
    assert "topics/object-detection/" in home and "object-detection-page-2" not in home

    # Fewer pages: the ones no longer needed go away (--force: the settings did not change).
    monkeypatch.setattr(site, "PAGE_SIZE", 500)
    result = CliRunner().invoke(main, ["build", "--project", str(project), "--force"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in topics.glob("object-detection*.md")) == ["object-detection.md"]


def test_tags_page_lists_topics_and_the_curators_own_tags(project: Path) -> None:
    CliRunner().invoke(main, ["build", "--project", str(project)])
    page = next((project / "content/papers").glob("*.md"))
    post = frontmatter.load(page)
    post["tags"] = [*post["tags"], "<b>to read</b> [x](javascript:alert(1))"]
    page.write_text(frontmatter.dumps(post, sort_keys=False) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--project", str(project)])
    assert result.exit_code == 0, result.output
    tags = (project / "content/tags.md").read_text(encoding="utf-8")
    assert "- [Object detection](topics/object-detection.md) · " in tags
    own = tags.split("## Curators' tags", 1)[1]
    assert "&lt;b&gt;to read&lt;/b&gt; \\[x\\]\\(javascript:alert\\(1\\)\\)" in own
    assert f"(papers/{page.stem}.md)" in own
    built = mkdocs_build(project)
    assert built.returncode == 0, built.stderr
    html = (project / "site/tags/index.html").read_text(encoding="utf-8")
    checker = Injections()
    checker.feed(html)
    assert checker.found == []
    assert "&lt;b>to read" in html  # minified: a > in text stays as it is


def test_search_index_keeps_paper_text_but_not_empty_sections_or_repeated_tags(tmp_path: Path) -> None:
    index = tmp_path / "search_index.json"
    index.write_text(json.dumps({"config": {"lang": ["en"]}, "docs": [
        {"location": "papers/a/", "title": "A", "text": "", "tags": ["Video"]},
        {"location": "papers/a/#abstract", "title": "Abstract", "text": "<p>words</p>", "tags": ["Video"]},
        {"location": "papers/a/#notes", "title": "Notes", "text": "", "tags": ["Video"]},
        {"location": "papers/b/#notes", "title": "Notes", "text": "<p>my notes</p>"},
        {"location": "topics/#video", "title": "Video", "text": ""},
    ]}), encoding="utf-8")
    compact_search_index(index)
    docs = json.loads(index.read_text(encoding="utf-8"))["docs"]
    assert [d["location"] for d in docs] == ["papers/a/", "papers/a/#abstract", "papers/b/#notes",
                                             "topics/#video"]
    assert docs[0]["tags"] == ["Video"] and "tags" not in docs[1]
    compact_search_index(tmp_path / "missing.json")  # no index (search plugin off): nothing to do


def _seed_texts() -> list[str]:
    """Titles and abstracts of the seed dumps' papers (from the generated pages in the repository)."""
    pages = sorted((SEEDS.parent / "content/papers").glob("*.md"))
    return [f"{p['title']} {p['title']} {p.content}" for p in map(frontmatter.load, pages)]


def test_related_papers_from_candidates_agree_with_every_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _seed_texts()
    exact = related.related_papers(texts)
    monkeypatch.setattr(related, "EXACT_LIMIT", 0)  # the path lists above 5,000 papers take
    approx = related.related_papers(texts)
    found = sum(len(set(a) & set(e)) for a, e in zip(approx, exact, strict=True))
    assert found / sum(map(len, exact)) > 0.85
    assert all(i not in row for i, row in enumerate(approx))
    assert approx == related.related_papers(texts)  # deterministic


def test_build_timings_name_every_stage(project: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--project", str(project), "--timings"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("sitegen: timings"))
    for stage in ("parse", "dedupe", "papers", "site", "feeds", "exports", "related", "write"):
        assert f" {stage} " in line
    peaks = next(x for x in result.output.splitlines() if x.startswith("sitegen: peak memory (MB)"))
    assert all(int(part.split()[-1]) > 0 for part in peaks.split(": ", 1)[1].split(", "))


def test_build_on_several_processes_writes_the_same_bytes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import make_project

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    outputs = []
    for jobs, min_work in (("1", 2000), ("2", 0)):  # min_work 0: every stage that can, forks
        monkeypatch.setenv("SITEGEN_JOBS", jobs)
        monkeypatch.setattr(parallel, "MIN_WORK", min_work)
        root = tmp_path / f"jobs{jobs}"
        root.mkdir()
        make_project(root, sorted(SEEDS.glob("*.txt")))
        for _ in range(2):  # the second build reads the pages the first wrote
            result = CliRunner().invoke(main, ["build", "--project", str(root), "--force"])
            assert result.exit_code == 0, result.output
        content = root / "content"
        outputs.append({p.relative_to(content).as_posix(): p.read_bytes()
                        for p in sorted(content.rglob("*"))
                        # The caches hold local paths and file times.
                        if p.is_file() and p.name not in ("state.json", Path(CACHE).name)})
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 614


def test_terminal_status_line_starts_no_thread() -> None:
    import threading

    from sitegen.progress import live_stages

    before = threading.active_count()
    with live_stages(True) as stages, stages.stage("parse"):
        # The build forks workers here: no rich refresh thread may be running.
        assert threading.active_count() == before
    assert list(stages.timings) == ["parse"]


def _with_shared(shared: list[int], span: range) -> int:
    return sum(shared[i] for i in span)


def _pid(_: object) -> int:
    import os

    return os.getpid()


def _fail(_: object) -> None:
    raise ValueError("broken in the worker")


def _die(_: object) -> None:
    import os

    os._exit(3)


def test_standby_helper_returns_results_and_raises_errors_of_the_job(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from sitegen.models import SitegenError

    monkeypatch.setenv("SITEGEN_JOBS", "2")
    prepared: list[int] = []
    with parallel.Standby(lambda: prepared.append(1), _pid) as helper:
        wait = helper.submit(None)
        assert wait() != os.getpid()  # it ran in another process
        assert wait() == wait()  # a second wait gives the first one's result, not a blocked pipe
    assert prepared == []  # ... and prepared there too
    with parallel.Standby(lambda: None, _fail) as helper:
        failed = helper.submit(None)
        for _ in range(2):  # and again the same exception
            with pytest.raises(ValueError, match="broken in"):
                failed()
    with parallel.Standby(lambda: None, _die) as helper, pytest.raises(SitegenError, match="exit code 3"):
        helper.submit(None)()
    with parallel.Standby(lambda: None, _pid) as helper:
        pass  # no job: leaving the block ends the helper
    assert not helper.process.is_alive()
    monkeypatch.setenv("SITEGEN_JOBS", "1")
    calls: list[int] = []
    with parallel.Standby(lambda: None, calls.append) as helper:
        wait = helper.submit(os.getpid())  # one core: in this process, when first waited for
        assert calls == []
        wait()
        wait()
    assert calls == [os.getpid()]  # once


def _double(n: int) -> int:
    return 2 * n


def _big(_: object) -> str:
    return "x" * 1_000_000  # far more than a pipe holds (64 KB on Linux)


def _touch(path: str) -> None:
    Path(path).touch()


def test_a_standby_helper_goes_on_with_its_next_job_before_a_large_result_is_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    import time

    monkeypatch.setenv("SITEGEN_JOBS", "2")
    marker = tmp_path / "second job ran"
    with parallel.Standby(lambda: None, _big) as helper:
        big = helper.submit(None)
        done = helper.submit(str(marker), _touch)
        deadline = time.monotonic() + 10
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        # Before, the helper waited with the first result in the pipe until it was read.
        assert marker.exists()
        assert len(big()) == 1_000_000
        done()


def test_one_standby_helper_runs_several_jobs_in_turn_each_with_its_function(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    monkeypatch.setenv("SITEGEN_JOBS", "2")
    with parallel.Standby(lambda: None, _pid) as helper:
        first = helper.submit(None)
        second = helper.submit(21, _double)  # sent before the first result is read
        failing = helper.submit(None, _fail)
        assert second() == 42  # results come back in order; an earlier one waits for its reader
        helper_pid = first()
        assert helper_pid != os.getpid()
        with pytest.raises(ValueError, match="broken in"):
            failing()
        assert helper.submit(None)() == helper_pid  # the same process, still serving after an error
    assert not helper.process.is_alive()
    monkeypatch.setenv("SITEGEN_JOBS", "1")
    with parallel.Standby(lambda: None, _pid) as helper:
        assert helper.submit(5, _double)() == 10


def _collects(_: object) -> bool:
    import gc

    return gc.isenabled()


def test_a_build_pauses_cycle_collection_but_its_workers_collect(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from sitegen.build import build
    from sitegen.config import load_config
    from sitegen.progress import Stages

    seen: list[tuple[str, bool]] = []
    build(load_config(project), stages=Stages(on_start=lambda name: seen.append((name, gc.isenabled()))))
    # The fingerprint, before and after, is taken outside the pause; every other stage runs in it.
    assert [on for name, on in seen if name != "fingerprint"] == [False] * (len(seen) - 2)
    assert seen[0] == seen[-1] == ("fingerprint", True)
    assert gc.isenabled()
    monkeypatch.setenv("SITEGEN_JOBS", "2")
    monkeypatch.setattr(parallel, "MIN_WORK", 0)
    gc.disable()
    try:
        assert parallel.parallel_map(_collects, [1, 2, 3, 4]) == [True] * 4
    finally:
        gc.enable()


@pytest.mark.parametrize("jobs", ["1", "2"])  # 2: a writer process; 1: written here when waited for
def test_pages_written_by_a_writer_process_are_written_as_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    from sitegen.models import SitegenError
    from sitegen.output import write

    monkeypatch.setenv("SITEGEN_JOBS", jobs)
    monkeypatch.setattr(write, "BATCH", 3)  # several batches, the last one short
    pages = {f"papers/p{i}.md": f"page {i}\n" for i in range(8)}
    here, there = tmp_path / "here", tmp_path / "there"
    for root in (here, there):
        (root / "topics").mkdir(parents=True)
        (root / "topics/old.md").write_text("gone\n", encoding="utf-8")
        (root / "papers").mkdir()
        (root / "papers/p0.md").write_text("page 0\n", encoding="utf-8")
        (root / "papers/p1.md").write_text("older\n", encoding="utf-8")
    expected = write.write_pages(here, dict(pages), ["topics/old.md"])
    sent = dict(pages)
    with parallel.Standby(lambda: None, write.write_job) as writer:
        written = write.write_elsewhere(writer, there, sent, ["topics/old.md"])
        assert not sent  # handed over: the texts are the writer's now
        assert written() == expected
        assert expected.unchanged == ["papers/p0.md"] and expected.updated == ["papers/p1.md"]
        assert expected.removed == ["topics/old.md"]
        assert {p.name: p.read_bytes() for p in (there / "papers").iterdir()} == {
            p.name: p.read_bytes() for p in (here / "papers").iterdir()}
        (there / "blocked").write_text("a file where a folder should be\n", encoding="utf-8")
        failing = write.write_elsewhere(writer, there, {"blocked/p.md": "x\n"})
        with pytest.raises(SitegenError, match="cannot write"):
            failing()


def test_map_shared_gives_workers_the_shared_object(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITEGEN_JOBS", "2")
    monkeypatch.setattr(parallel, "MIN_WORK", 0)
    numbers = list(range(10_000))
    spans = parallel.chunks(len(numbers))
    assert sum(len(s) for s in spans) == len(numbers) and len(spans) == 8
    assert sum(parallel.map_shared(_with_shared, numbers, spans)) == sum(numbers)
    assert parallel.chunks(3, 8) == [range(0, 1), range(1, 2), range(2, 3)]


@pytest.mark.parametrize(("before", "pieces", "kind"), [
    (None, ["[\n", "1,\n2", "\n]\n"], "new"),
    ("[\n1,\n2\n]\n", ["[\n", "1,\n2", "\n]\n"], "unchanged"),
    ("[\n1,\n2\n]\n", ["[\n", "1,\n3", "\n]\n"], "updated"),
    ("[\n1,\n2\n]\nmore", ["[\n", "1,\n2", "\n]\n"], "updated"),  # the file on disk is longer
    ("[\n1,\n2", ["[\n", "1,\n2", "\n]\n"], "updated"),  # ... or shorter
])
def test_streamed_files_are_replaced_only_when_their_bytes_change(
        tmp_path: Path, before: str | None, pieces: list[str], kind: str) -> None:
    from sitegen.output.write import write_pages

    target = tmp_path / "exports/papers.json"
    if before is not None:
        target.parent.mkdir()
        target.write_text(before, encoding="utf-8")
        stamp = target.stat().st_mtime_ns
    stats = write_pages(tmp_path, {"exports/papers.json": lambda: iter(pieces)})
    assert getattr(stats, kind) == ["exports/papers.json"]
    assert target.read_text(encoding="utf-8") == "".join(pieces)
    if kind == "unchanged":
        assert target.stat().st_mtime_ns == stamp
    assert [p.name for p in target.parent.iterdir()] == ["papers.json"]  # no temporary file left


def test_a_wait_called_once_raises_again_what_it_raised() -> None:
    from sitegen.parallel import once

    calls: list[int] = []

    def fails() -> None:
        calls.append(1)
        raise OSError("disk full")

    wait = once(fails)
    for _ in range(2):
        with pytest.raises(OSError, match="disk full"):
            wait()
    assert calls == [1]
    done = once(lambda: calls.append(2))
    done()
    done()
    assert calls == [1, 2]
