"""Benchmark the site's search in headless Chromium on a large synthetic list.

Builds a list of SIZE records (benchmarks/scale.py's corpus) with `sitegen
build` and `mkdocs build` (search as the sitegen plugin chooses it: Pagefind
from 1,000 papers; `--search material` forces Material's), serves the site on
localhost and, in a fresh browser for each query, clicks the search box and
types a paper's title words: it prints the time from the first keystroke to
the first result shown, and the bytes the search fetched. Needs Debian's
chromium and Playwright (the test extras).

Run from the repository root:
    python benchmarks/search.py [SIZE] [--search auto|material|pagefind] [--queries N] [--keep DIR]
With --keep, the project is built in DIR and kept; a later run with the same
DIR measures that site again without rebuilding it.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale  # the corpus generator of the scale benchmark

BIN = Path(sys.executable).parent
ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def build_site(root: Path, size: int, search: str) -> tuple[float, float, int]:
    """sitegen build and mkdocs build: their seconds, and the number of paper pages."""
    for name in ("mkdocs.yml", "topics.yml"):
        shutil.copy(scale.REPO / name, root / name)
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("  - sitegen\n", f"  - sitegen:\n      search: {search}\n")
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    (root / "pyproject.toml").write_text('[tool.sitegen]\nsources = ["sources"]\ntitle = "Benchmark"\n',
                                         encoding="utf-8")
    scale.corpus(size, root / "sources")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    subprocess.run([str(BIN / "sitegen"), "build"], cwd=root, env=env, check=True, capture_output=True)
    sitegen = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run([str(BIN / "mkdocs"), "build", "-q"], cwd=root, env=env, check=True)
    mkdocs = time.perf_counter() - start
    return sitegen, mkdocs, len(list((root / "site/papers").glob("*/index.html")))


def queries(root: Path, count: int) -> list[str]:
    """Three title words of random papers of the list."""
    rng = random.Random(7)
    pages = sorted((root / "content/papers").glob("*.md"))
    chosen = []
    for path in rng.sample(pages, min(count, len(pages))):
        title = re.search(r"^title: '?(.+?)'?$", path.read_text(encoding="utf-8"), re.M)
        words = [w for w in re.findall(r"[A-Za-z]{5,}", title.group(1) if title else "")][:3]
        if words:
            chosen.append(" ".join(words))
    return chosen


def first_results(page: Any, query: str, delay: float = 0, timeout: float = 120) -> float:
    """Seconds from the first keystroke in the page's search box to the first result shown."""
    box = page.locator("input.md-search__input")
    box.click()
    start = time.perf_counter()
    box.press_sequentially(query, delay=delay)
    page.locator(".md-search-result__item").first.wait_for(timeout=timeout * 1000)
    return time.perf_counter() - start



def measure(url: str, query: str) -> tuple[float, int, int]:
    """Seconds from the first keystroke to the first result, bytes fetched for it, results listed."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    args = ARGS + (["--no-sandbox"] if os.geteuid() == 0 else [])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=args)
        page = browser.new_page()
        page.goto(url)
        page.wait_for_load_state("networkidle")
        fetched: list[int] = []
        page.on("response", lambda r: fetched.append(int(r.headers.get("content-length") or 0)))
        elapsed = first_results(page, query)
        shown = page.locator(".md-search-result__item").count()
        browser.close()
    return elapsed, sum(fetched), shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="?", type=int, default=10000)
    parser.add_argument("--search", choices=("auto", "material", "pagefind"), default="auto")
    parser.add_argument("--queries", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (reused when built)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        site = root / "site"
        if args.keep and site.is_dir():
            sitegen = mkdocs = 0.0
            papers = len(list((site / "papers").glob("*/index.html")))
            # The scripts may have changed since: measure the current ones (not the theme's templates,
            # such as sitegen-palette.js, which the build renders).
            assets = scale.REPO / "sitegen/theme/assets"
            for path in assets.rglob("*"):
                if path.is_file() and not path.read_bytes().startswith(b"{#"):
                    shutil.copy(path, site / "assets" / path.relative_to(assets))
        else:
            root.mkdir(parents=True, exist_ok=True)
            sitegen, mkdocs, papers = build_site(root, args.size, args.search)
        engine = "Pagefind" if (site / "pagefind").is_dir() else "Material"
        index = sum(p.stat().st_size for p in (site / "pagefind").rglob("*") if p.is_file()) \
            if engine == "Pagefind" else (site / "search/search_index.json").stat().st_size
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        print(f"{args.size} records, {papers} paper pages: sitegen build {sitegen:.1f} s, mkdocs build "
              f"{mkdocs:.1f} s; search: {engine}, index {index / 1e6:.1f} MB ({index / papers / 1e3:.2f} KB "
              "per paper)")
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(site)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        times = []
        for query in queries(root, args.queries):
            elapsed, fetched, shown = measure(url, query)
            times.append(elapsed)
            print(f"  first search {query!r}: results after {elapsed:.2f} s, {fetched / 1e3:.0f} KB fetched, "
                  f"{shown} shown")
        server.shutdown()
        if times:
            print(f"first result after typing: median {sorted(times)[len(times) // 2]:.2f} s, "
                  f"worst {max(times):.2f} s")


if __name__ == "__main__":
    main()
