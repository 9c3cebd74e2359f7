"""Benchmark `sitegen serve`: save-to-reload times on a synthetic list, in headless Chromium.

Builds a synthetic list of SIZE records (as benchmarks/scale.py does), starts
`sitegen serve` on it, opens a page in headless Chromium, and times, from the
moment a file is written to the moment the reloaded page shows the change:
a saved paper page (a line added to its notes), an edited topics.yml (a
topic's description) and a new dump in sources/ (50 papers; timed to its
first paper's page being served), three times each, and prints the
medians. It also times, from the same moment, until the site's search box
(in a second tab, typing as a reader does) lists what the change brought:
the saved page by a word added to its notes, the topic page by a word of its
new description, the new dump's first paper by its title. Once the site is
quiet and the whole site indexed again, it counts the results of those
searches (each page once: no stale or duplicate results).

Run from the repository root (Chromium: /usr/bin/chromium):
    python benchmarks/serve.py [SIZE] [--keep DIR]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import BIN, REPO, corpus, make_papers, write
from search import first_results

from sitegen.text import slugify


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, timeout: float = 900) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def until_text(page: Any, text: str, timeout: float = 600) -> float:
    """Seconds until the page (reloaded by livereload) shows the text."""
    start = time.perf_counter()
    page.wait_for_function(f"document.body && document.body.innerText.includes({text!r})",
                           timeout=timeout * 1000)
    return time.perf_counter() - start


def search(page: Any, words: str) -> str:
    """Time from typing in the search box to the first result shown; the box is closed again."""
    for _ in range(3):  # typed again if livereload reloaded the page meanwhile
        try:
            seconds = first_results(page, words, delay=20, timeout=15)
            page.keyboard.press("Escape")
            return f"{seconds * 1000:.0f} ms"
        except Exception:
            page.reload()
    return "no result in 3 tries"


def word(rng: random.Random) -> str:
    """A word no page of the list holds."""
    return "zq" + "".join(rng.choice(string.ascii_lowercase) for _ in range(10))


def until_found(tab: Any, query: str, since: float, expect: str = "", timeout: float = 90) -> float:
    """Seconds from `since` until the tab's search box lists a result (one whose title holds `expect`).

    The query is typed again as soon as each search has answered (each reads the index's manifest again).
    """
    meta, titles = tab.locator(".md-search-result__meta"), tab.locator(".md-search-result__list h1")
    while time.perf_counter() - since < timeout:
        try:
            box = tab.locator("input.md-search__input")
            box.fill("")
            placeholder = meta.inner_text()
            box.fill(query)
            # The search answered, or livereload reloaded the page (the box is empty again).
            answered = ("([p, q]) => document.querySelector('input.md-search__input').value !== q"
                        " || document.querySelector('.md-search-result__meta').textContent !== p")
            tab.wait_for_function(answered, arg=[placeholder, query], timeout=10_000)
            listed = titles.all_inner_texts()
            if os.environ.get("SERVE_BENCH_VERBOSE"):
                print(f"    {time.perf_counter() - since:.2f} s: {meta.inner_text()}", file=sys.stderr)
            if any(expect in title for title in listed):
                return time.perf_counter() - since
        except Exception as exc:  # the page reloaded meanwhile (livereload)
            if os.environ.get("SERVE_BENCH_VERBOSE"):
                print(f"    {time.perf_counter() - since:.2f} s: {type(exc).__name__}", file=sys.stderr)
            time.sleep(0.05)
    return math.nan


def results(tab: Any, query: str) -> int:
    """How many results the tab's search box lists for the query (all of them, not only those shown)."""
    tab.reload()
    box = tab.locator("input.md-search__input")
    box.fill(query)
    tab.wait_for_function("() => /^(No|[0-9]+) /.test(document.querySelector('.md-search-result__meta')"
                          ".textContent)", timeout=30_000)
    meta = tab.locator(".md-search-result__meta").inner_text()
    return 0 if meta.startswith("No") else int(meta.split()[0])


def settled(log: Path, since: int, timeout: float = 300) -> float:
    """Seconds until the log, past `since` characters, ends with the whole site indexed and stays so 8 s."""
    start = time.perf_counter()
    last, still = "", time.perf_counter()
    while time.perf_counter() - start < timeout:
        text = log.read_text(encoding="utf-8")[since:]
        if text != last:
            last, still = text, time.perf_counter()
        lines = [line for line in text.splitlines() if "sitegen serve:" in line]
        if lines and "whole search index" in lines[-1] and time.perf_counter() - still >= 8:
            return still - start
        time.sleep(0.5)
    return math.nan


def median(values: list[float]) -> str:
    found = [v for v in values if not math.isnan(v)]
    missed = len(values) - len(found)
    shown = f"{statistics.median(found):.2f} s" if found else "never"
    return shown + (f" ({missed} not found)" if missed else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="?", type=int, default=10000)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        for name in ("mkdocs.yml", "topics.yml"):
            shutil.copy(REPO / name, root / name)
        (root / "pyproject.toml").write_text('[tool.sitegen]\nsources = ["sources"]\ntitle = "Benchmark"\n',
                                             encoding="utf-8")
        if not (root / "sources").is_dir():
            corpus(args.size, root / "sources")
        port = free_port()
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        start = time.perf_counter()
        log = (root / "serve.log").open("w", encoding="utf-8")
        server = subprocess.Popen([str(BIN / "sitegen"), "serve", "-a", f"127.0.0.1:{port}"], cwd=root,
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}/"
            wait_for(url)
            print(f"{args.size} records: serving after {time.perf_counter() - start:.1f} s (sitegen build "
                  "and a full mkdocs build)")
            time.sleep(3)  # the watcher's first snapshot
            papers = sorted((root / "content/papers").glob("*.md"))
            paper = papers[len(papers) // 2]
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                            args=["--no-sandbox", "--disable-gpu"])
                tab = browser.new_page()
                tab.goto(f"{url}papers/{paper.stem}/")
                probe = browser.new_page()  # the search box a reader types in
                probe.goto(f"{url}papers/{papers[0].stem}/")
                print(f"  search before any change: {search(tab, paper.stem.split('-')[0])}")
                rng = random.Random()
                saves, edits, dumps = [], [], []
                found: dict[str, list[float]] = {"saved page": [], "topics.yml": [], "new dump": []}
                for n in range(3):
                    token = word(rng)
                    mark = f"Saved note {n} {token}"
                    text = paper.read_text(encoding="utf-8")
                    paper.write_text(text.replace("## Notes\n", f"## Notes\n\n{mark}\n", 1), encoding="utf-8")
                    saved = time.perf_counter()
                    saves.append(until_text(tab, mark))
                    found["saved page"].append(until_found(probe, token, saved))
                    print(f"  saved paper page -> reloaded: {saves[-1]:.2f} s; found by the search: "
                          f"{found['saved page'][-1]:.2f} s")
                    time.sleep(2)
                print(f"  search after the saves: {search(tab, paper.stem.split('-')[0])}")
                time.sleep(15)  # sitegen's build in the background, then its pages
                tab.goto(f"{url}topics/object-detection/")
                topics = root / "topics.yml"
                old = "description: Finding and localising"
                for _ in range(3):
                    mark = f"Finding objects {word(rng)}"
                    text = topics.read_text(encoding="utf-8")
                    topics.write_text(text.replace(old, f"description: {mark}. Finding and localising", 1),
                                      encoding="utf-8")
                    saved = time.perf_counter()
                    old = f"description: {mark}. Finding and localising"
                    edits.append(until_text(tab, mark))
                    found["topics.yml"].append(until_found(probe, mark.split()[-1], saved, "Object"))
                    print(f"  edited topics.yml -> topic page reloaded: {edits[-1]:.2f} s; found by the "
                          f"search: {found['topics.yml'][-1]:.2f} s")
                    time.sleep(5)
                print(f"  search after the edits: {search(tab, paper.stem.split('-')[0])}")
                for _ in range(3):
                    run = random.randrange(10**6)
                    fresh = word(rng)
                    new = make_papers(50, random.Random(run))
                    for record in new:
                        record["title"] = f"Fresh{run} {fresh} {record['title']}"
                    since = len((root / "serve.log").read_text(encoding="utf-8"))
                    write(new, "jsonl", root / f"sources/zz-serve-{run}.jsonl")
                    saved = time.perf_counter()
                    target = f"{url}papers/{slugify(str(new[0]['title']))}/"
                    while time.perf_counter() - saved < 600:
                        try:
                            with urllib.request.urlopen(target, timeout=5):
                                break
                        except OSError:
                            time.sleep(0.05)
                    dumps.append(time.perf_counter() - saved)
                    found["new dump"].append(until_found(probe, fresh, saved, "Fresh"))
                    print(f"  new dump -> its first paper page served: {dumps[-1]:.2f} s; found by the "
                          f"search: {found['new dump'][-1]:.2f} s")
                    time.sleep(5)
                print(f"  search after the new dumps: {search(tab, paper.stem.split('-')[0])}")
                print(f"medians: saved page {statistics.median(saves):.2f} s, topics.yml "
                      f"{statistics.median(edits):.2f} s, new dump {statistics.median(dumps):.2f} s")
                print("medians, change to found by the search: "
                      + ", ".join(f"{kind} {median(times)}" for kind, times in found.items()))
                quiet = settled(root / "serve.log", since)
                print(f"  the site settled (the whole site indexed again) {quiet:.0f} s after the last "
                      "check; "
                      f"then {results(probe, token)} result(s) for the saved page's word (1 expected), "
                      f"{results(probe, fresh)} for the last dump's word (50 expected, "
                      "less any the build merged)")
                print(f"load average (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=180)  # it removes its site folder, and waits for a Pagefind run
            log.close()


if __name__ == "__main__":
    main()
