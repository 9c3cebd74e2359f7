"""`sitegen enrich` against a stand-in Papers API and arXiv API on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import frontmatter
import pytest
from click.testing import CliRunner

from sitegen.build import build
from sitegen.cli import main
from sitegen.config import load_config
from sitegen.enrich.clients import ArxivApi, PapersApi, Policy, retry_after
from sitegen.enrich.run import enrich
from sitegen.pages import read_pages

from .conftest import REPO
from .papers_api import Held, StandIn, every, seed_world, serve
from .test_site import links_to, mkdocs_build

SPINDET = "content/papers/spindet-rotated-object-detection-in-aerial-images.md"
SAE = "content/papers/sparse-autoencoders-find-monosemantic-features-in-language-models.md"
CURATING = "content/papers/curating-reading-lists-by-hand.md"
RESULTS = "sources/enriched/papers-api.jsonl"


@pytest.fixture(autouse=True)
def _hf_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """huggingface_hub's own folder, to check that enrich writes nothing there."""
    home = tmp_path / "hf-home"
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    return home


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def page_text(root: Path, rel: str) -> tuple[str, str]:
    post = frontmatter.load(root / rel)
    pages, _, _ = read_pages(root / "content/papers", root)
    page = next(p for p in pages if p.slug == Path(rel).stem)
    return str(post["title"]), page.abstract


def small_world(root: Path) -> StandIn:
    """SpinDet held as arXiv has it; a look-alike of the SAE paper; the third paper nowhere."""
    spin_title, spin_abstract = page_text(root, SPINDET)
    sae_title, _ = page_text(root, SAE)
    return StandIn(
        papers=[Held("2403.01234", spin_title.replace("Rotated", "Rotated\n "),
                     spin_abstract.replace("3%", "3\\%").replace(". ", ".\n"),
                     authors=("Ada Lovelace", "Alan Turing"), github="https://github.com/example/spindet",
                     project="javascript:alert(1)")],
        decoys=[Held("2401.04321", sae_title, "We study graph neural networks for traffic forecasting "
                     "on road networks, with a new benchmark of sensor readings from four cities.")],
    )


def enrich_cli(root: Path, url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [
        "enrich", "--project", str(root), "--endpoint", url, "--arxiv-endpoint", f"{url}/api/query",
        "--delay", "0", "--timeout", "5", *args])
    return result.exit_code, result.output


@pytest.fixture
def built(project: Path) -> Path:
    build(load_config(project))
    return project


def test_exact_match_is_resolved_merged_and_linked_lookalikes_and_unknowns_are_not(
        built: Path, _hf_home: Path) -> None:
    before = {k: v for k, v in tree(built).items() if not k.startswith(("sources/", "content/"))}
    world = small_world(built)
    with serve(world) as url:
        code, output = enrich_cli(built, url)
    assert code == 0, output
    assert "1 resolved (1 Papers API)" in output
    assert "2401.04321" in output and "abstracts differ" in output  # the look-alike, and why
    entries = [json.loads(line) for line in (built / RESULTS).read_text().splitlines()]
    assert [e["paper"]["id"] for e in entries] == ["2403.01234"]
    assert entries[0]["sitegen"]["page"] == "spindet-rotated-object-detection-in-aerial-images"
    assert entries[0]["paper"]["githubRepo"] == "https://github.com/example/spindet"  # from paper_info
    # Nothing outside sources/ and content/, not even in huggingface_hub's folder.
    after = {k: v for k, v in tree(built).items() if not k.startswith(("sources/", "content/"))}
    assert after == before
    assert not _hf_home.exists() or not any(_hf_home.rglob("*"))

    curated = (built / SAE).read_bytes()
    build(load_config(built))
    spin = frontmatter.load(built / SPINDET)
    assert spin["arxiv"] == "2403.01234"
    assert spin["authors"] == ["Ada Lovelace", "Alan Turing"] and spin["year"] == 2024
    assert len(spin["sources"]) == 3  # the two text records and the API's
    for rel in (SAE, CURATING):
        assert "arxiv" not in frontmatter.load(built / rel)
    assert (built / SAE).read_bytes() == curated
    assert len(list((built / "content/papers").glob("*.md"))) == 3

    bib = (built / "content/exports/papers.bib").read_text()
    entry = bib[bib.index("SpinDet"):].split("\n}\n")[0]
    for field in ("author = {Ada Lovelace and Alan Turing}", "year = {2024}", "eprint = {2403.01234}",
                  "archivePrefix = {arXiv}", "url = {https://arxiv.org/abs/2403.01234}"):
        assert field in entry
    exported = {p["title"]: p for p in json.loads((built / "content/exports/papers.json").read_text())}
    assert exported[spin["title"]]["url"] == "https://arxiv.org/abs/2403.01234"

    done = mkdocs_build(built)
    assert done.returncode == 0, done.stderr
    site = built / "site"
    html = (site / "papers/spindet-rotated-object-detection-in-aerial-images/index.html").read_text()
    for href in ("https://arxiv.org/abs/2403.01234", "https://arxiv.org/pdf/2403.01234",
                 "https://huggingface.co/papers/2403.01234"):
        assert links_to(html, href), href
    assert "javascript:alert" not in html
    other = (site / "papers/curating-reading-lists-by-hand/index.html").read_text()
    assert links_to(other, "https://huggingface.co/papers?q=Curating%20Reading%20Lists%20by%20Hand")
    assert "https://scholar.google.com/scholar?q=Curating%20Reading%20Lists%20by%20Hand" in other
    # minify-html writes & unescaped in an attribute where no entity could be read from it
    assert "arxiv.org/search/?searchtype=title&query=Curating%20Reading" in other


def test_a_second_run_asks_nothing_again_and_recheck_asks_the_misses(built: Path) -> None:
    world = small_world(built)
    with serve(world) as url:
        enrich_cli(built, url)
        asked = len(world.requests)
        code, output = enrich_cli(built, url)
        assert code == 0 and len(world.requests) == asked
        assert "3 skipped" in output
        enrich_cli(built, url, "--recheck")
    # The two misses asked again, each in both services.
    assert len(world.requests) == asked + 4


def test_dry_run_and_limit_write_nothing(built: Path) -> None:
    before = tree(built)
    with serve(small_world(built)) as url:
        code, output = enrich_cli(built, url, "--dry-run", "--limit", "1")
    assert code == 0 and "1 papers looked up" in output and "dry run" in output
    assert tree(built) == before


def test_arxiv_backs_up_the_papers_api_under_the_same_rule(built: Path) -> None:
    world = small_world(built)
    title, abstract = page_text(built, CURATING)
    world.arxiv_papers = [Held("2312.09999", title, abstract.replace(" ", "  ")),
                          Held("2312.08888", title + " at scale", "Unrelated text about proteins.")]
    with serve(world) as url:
        code, output = enrich_cli(built, url)
    assert code == 0 and "2 resolved (1 Papers API, 1 arXiv API)" in output
    ids = {json.loads(line)["paper"]["id"] for line in (built / RESULTS).read_text().splitlines()}
    assert ids == {"2403.01234", "2312.09999"}


def test_network_down_is_one_line_exit_1_and_nothing_changed(built: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    before = tree(built)
    code, output = enrich_cli(built, f"http://127.0.0.1:{port}")
    assert code == 1
    assert output.strip().count("\n") == 0 and "cannot reach" in output and "nothing changed" in output
    assert tree(built) == before


def test_429_with_retry_after_and_503_are_retried(built: Path) -> None:
    world = small_world(built)
    world.fault = lambda n, path: {1: (429, {"Retry-After": "7"}, b"{}"), 2: (503, {}, b"")}.get(n)
    waits: list[float] = []
    with serve(world) as url:
        policy = Policy(delay=0, backoff=0.5, sleep=waits.append)
        result = enrich(load_config(built), [PapersApi(url, policy)], requests=lambda: policy.requests)
    assert waits[:2] == [7.0, 1.0]  # Retry-After honoured, then backoff doubled
    assert result.count("resolved") == 1 and result.count("error") == 0
    assert result.requests == len(world.requests)


def test_a_timeout_is_retried_and_malformed_json_costs_one_paper(built: Path) -> None:
    world = small_world(built)
    world.fault = lambda n, path: (0, {"sleep": "2"}, b"") if n == 1 else None
    with serve(world) as url:
        policy = Policy(delay=0, backoff=0, timeout=0.5)
        result = enrich(load_config(built), [PapersApi(url, policy)], dry_run=True)
    assert result.count("resolved") == 1 and result.count("error") == 0

    # The first search (the first page in slug order: curating…) answers garbage.
    world = small_world(built)
    garbage = (200, {"Content-Type": "application/json"}, b"{not json")
    world.fault = lambda n, path: garbage if n == 1 else None
    with serve(world) as url:
        policy = Policy(delay=0, backoff=0)
        result = enrich(load_config(built), [PapersApi(url, policy)])
    errors = [o for o in result.outcomes if o.error]
    assert [o.slug for o in errors] == ["curating-reading-lists-by-hand"]
    assert "not the Papers API" in errors[0].error
    assert result.count("resolved") == 1
    # An error is not a miss: the next run asks again.
    assert "curating-reading-lists-by-hand" not in json.loads(
        (built / "content/.sitegen/enrich-misses.json").read_text())


def test_a_killed_run_keeps_its_results_and_the_next_one_goes_on(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "content/papers").mkdir(parents=True)
    (root / "sources").mkdir()
    (root / "pyproject.toml").write_text('[tool.sitegen]\ntitle = "t"\n', encoding="utf-8")
    pages = sorted((REPO / "content/papers").glob("*.md"))[:12]
    for page in pages:
        (root / "content/papers" / page.name).write_bytes(page.read_bytes())
    parsed, _, _ = read_pages(root / "content/papers", root)
    world, truth = seed_world([(p.slug, p.title, p.abstract) for p in parsed if "arxiv" not in p.meta])
    stall = {"on": True}
    # Papers are asked one at a time (search, then paper): after four papers, answers stop coming.
    world.fault = lambda n, path: (0, {"sleep": "30"}, b"") if stall["on"] and n > 8 else None
    journal = root / "content/.sitegen/enrich-journal.jsonl"
    with serve(world) as url:
        env = {**os.environ, "SITEGEN_ARXIV_ENDPOINT": f"{url}/api/query"}
        process = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "enrich", "--project", str(root), "--endpoint", url,
             "--delay", "0", "--no-arxiv"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
                not journal.exists() or journal.read_text().count("\n") < 4 or len(world.requests) <= 8):
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        assert journal.read_text().count("\n") == 4
        assert not (root / RESULTS).exists()
        stall["on"] = False
        searched = [r for r in world.requests if r.endswith("/search")]
        code, output = enrich_cli(root, url, "--no-arxiv")
    assert code == 0, output
    assert "4 results of an interrupted run were kept" in output
    found = {json.loads(line)["sitegen"]["page"]: json.loads(line)["paper"]["id"]
             for line in (root / RESULTS).read_text().splitlines()}
    assert found == {slug: arxiv for slug, arxiv in truth.items()}
    assert not journal.exists()
    # The second run asked only about the papers the first had not finished.
    asked_again = [r for r in world.requests if r.endswith("/search")][len(searched):]
    assert len(asked_again) == len(parsed) - 4


def test_seed_papers_against_a_stand_in_with_decoys_and_faults(tmp_path: Path) -> None:
    """Every fourth seed paper (about 150): at least 95% of those held get their id, none a wrong one."""
    root = tmp_path / "proj"
    (root / "content/papers").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.sitegen]\ntitle = "t"\n', encoding="utf-8")
    for page in sorted((REPO / "content/papers").glob("*.md"))[::4]:
        (root / "content/papers" / page.name).write_bytes(page.read_bytes())
    parsed, _, _ = read_pages(root / "content/papers", root)
    faults = [every(23, 429, {"Retry-After": "0"}), every(31, 503)]
    held = [(p.slug, p.title, p.abstract) for p in parsed if "arxiv" not in p.meta]
    world, truth = seed_world(held, fault=lambda n, path: next(
        (f for f in (x(n, path) for x in faults) if f), None))
    with serve(world) as url:
        policies = [Policy(delay=0, backoff=0), Policy(delay=0, backoff=0)]
        services = [PapersApi(url, policies[0]), ArxivApi(f"{url}/api/query", policies[1])]
        enrich(load_config(root), services)
    found = {json.loads(line)["sitegen"]["page"]: json.loads(line)["paper"]["id"]
             for line in (root / RESULTS).read_text().splitlines()}
    right = sum(1 for slug, arxiv in found.items() if truth.get(slug) == arxiv)
    assert len(truth) > 120
    assert right >= 0.95 * len(truth)
    assert right == len(found)  # no paper got a wrong id


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after("12", 1.0) == 12.0
    assert retry_after(None, 3.0) == 3.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 2.0) == 0.0  # in the past
    assert retry_after("soon", 2.0) == 2.0


def test_the_manual_enrich_workflow_is_linted_and_builds_from_committed_sources() -> None:
    workflow = (REPO / ".github/workflows/enrich.yml").read_text()
    assert "workflow_dispatch" in workflow and "sitegen enrich" in workflow
    site = (REPO / ".github/workflows/site.yml").read_text()
    assert "sitegen enrich" not in site  # deploys build offline from what is committed


def test_api_text_is_cleaned_where_it_enters(built: Path) -> None:
    world = small_world(built)
    held = world.papers[0]
    held.summary = held.summary.replace(" ", "\x0c", 3) + "\x00\ud800"
    held.authors = ("Ada\x1b[31m Lovelace", "Alan Turing\x07")
    world.decoys[0].title = "\x1b]0;pwned\x07" + world.decoys[0].title
    with serve(world) as url:
        code, output = enrich_cli(built, url)
    assert code == 0 and "1 resolved" in output
    assert "\x1b" not in output and "\x07" not in output
    entry = json.loads((built / RESULTS).read_text())
    text = json.dumps(entry, ensure_ascii=False)
    assert not any((ord(c) < 32 and c not in "\t\n") or 0xD800 <= ord(c) <= 0xDFFF for c in
                   entry["paper"]["summary"] + "".join(a["name"] for a in entry["paper"]["authors"]))
    assert entry["paper"]["authors"][0]["name"] == "Ada Lovelace" and "\\u" not in text
