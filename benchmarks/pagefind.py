"""Benchmark Pagefind alone: its command line over a built site against sitegen's records.

Either indexes the paper pages of a site `mkdocs build` made (`--site DIR`),
or writes SIZE synthetic paper pages first (the paper layout's markup around
a title, authors and an abstract drawn from the seed vocabulary, in a page
shell of about the size of Material's) and indexes those. For each way it
prints wall time, peak memory of all its processes (proportional set sizes),
and the index in bytes and on disk per page:

- `cli`: `python -m pagefind --site` over the HTML files, as sitegen ran it before;
- `parts`: sitegen's index (`sitegen.mkdocs_plugin.pagefind_index.index_site`, as `sitegen serve`
  runs it): each page's record sent to `pagefind --service`, in parts of at most
  PART_WORDS words (the pages are read from disk here; the plugin has them in memory);
- `one`: the same in a single part.

Run from the repository root:
    python benchmarks/pagefind.py [SIZE ...] [--site DIR] [--ways cli,parts,one] [--runs N]
"""

from __future__ import annotations

import argparse
import html
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale  # the corpus vocabulary and the memory sampler of the scale benchmark

from sitegen.mkdocs_plugin.pagefind_index import PART_WORDS

SHELL_LINKS = 60  # links, icons and scripts of the page shell: about 8 KB, as Material's was


def synthetic_page(paper: dict[str, object], slug: str) -> str:
    """A paper page as sitegen's layout renders it (minified), in a page shell."""
    shell = "".join(f"<li class=md-nav__item><a class=md-nav__link href=../../topics/t{i}/>Topic {i} of the "
                    "list</a></li>" for i in range(SHELL_LINKS))
    authors = html.escape(", ".join(str(a) for a in paper["authors"]))  # type: ignore[attr-defined]
    title = html.escape(str(paper["title"]))
    arxiv = paper["arxiv"]
    return (
        "<!doctype html><html class=no-js lang=en><head><meta charset=utf-8>"
        f"<title>{title} - Benchmark</title>"
        "<link rel=stylesheet href=../../assets/stylesheets/main.css></head><body dir=ltr>"
        f"<header class=md-header><nav class=md-header__inner>{shell[:3000]}</nav></header>"
        f"<div class=md-container><nav class=md-nav>{shell[3000:]}</nav><main class=md-main>"
        '<article class="md-content__inner md-typeset"><div data-pagefind-body>'
        '<nav class="md-tags sitegen-chips" aria-label=Topics>'
        "<a class=md-tag href=../../topics/a/>Topic A</a></nav>"
        f"<h1>{title}</h1><p class=sitegen-byline>{authors} · {paper['year']}</p>"
        "<p class=sitegen-links data-pagefind-ignore>"
        f"<a class=md-button href=https://arxiv.org/abs/{arxiv}>arXiv</a></p>"
        f"<p class=sitegen-state data-pagefind-ignore data-slug={slug} hidden><button>Mark as read"
        "</button></p><h2 id=abstract>Abstract</h2>"
        f"<div class=sitegen-abstract><p>{html.escape(str(paper['abstract']))}</p></div></div>"
        "<section class=sitegen-related><h2 id=related-papers>Related papers</h2><ol>"
        + "".join(f"<li><a href=../p{i}/>A related paper {i}</a></li>" for i in range(5))
        + "</ol></section></article></main><footer class=md-footer></footer></div>"
        "<script src=../../assets/javascripts/bundle.js></script></body></html>"
    )


def write_site(size: int, site: Path) -> None:
    """SIZE synthetic paper pages under site/papers/<slug>/index.html."""
    rng = random.Random(size)
    for i, paper in enumerate(scale.make_papers(size, rng)):
        slug = f"paper-{i}"
        folder = site / "papers" / slug
        folder.mkdir(parents=True)
        (folder / "index.html").write_text(synthetic_page(paper, slug), encoding="utf-8")


PARTS = """
import sys
from pathlib import Path
from sitegen.mkdocs_plugin.pagefind_index import index_site
index_site(Path(sys.argv[1]), Path(sys.argv[2]), part_words=int(sys.argv[3]))
"""


def command(way: str, site: Path, output: Path) -> list[str]:
    """`cli`: Pagefind's command line; `parts`: sitegen's index; `one`: sitegen's, in one part."""
    if way == "cli":
        return [sys.executable, "-m", "pagefind", "--site", str(site), "--output-path", str(output),
                "--exclude-selectors", ".headerlink", "--quiet"]
    words = PART_WORDS if way == "parts" else 10**12
    return [sys.executable, "-c", PARTS, str(site), str(output), str(words)]


def measure(way: str, site: Path, output: Path) -> tuple[float, float, int, int, int, float]:
    """Seconds, peak MB, index bytes, index bytes on disk, pages in the index, CPU seconds."""
    shutil.rmtree(output, ignore_errors=True)
    cpu = scale.cpu_seconds()
    start = time.perf_counter()
    proc = subprocess.Popen(command(way, site, output), stdout=subprocess.DEVNULL)
    memory = scale.TreeMemory(proc.pid)
    proc.wait()
    elapsed = time.perf_counter() - start
    peak = memory.stop()
    if proc.returncode:
        raise SystemExit(f"{way} failed with status {proc.returncode}")
    files = [p for p in output.rglob("*") if p.is_file()]
    entries = [json.loads(entry.read_text()) for entry in output.rglob("pagefind-entry.json")]
    pages = sum(language["page_count"] for entry in entries for language in entry["languages"].values())
    return (elapsed, peak, sum(p.stat().st_size for p in files), sum(p.stat().st_blocks * 512 for p in files),
            pages, scale.cpu_seconds() - cpu)


def parts(output: Path) -> str:
    count = len(list(output.rglob("pagefind-entry.json")))
    return "1 part" if count == 1 else f"{count} parts"


def report(label: str, site: Path, ways: list[str], runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for way in ways:
            results = [measure(way, site, Path(tmp) / "pagefind") for _ in range(runs)]
            pages = results[0][4]
            times = [r[0] for r in results]
            peaks = [r[1] for r in results]
            print(f"{label} {way:5}: {pages} pages in {parts(Path(tmp) / 'pagefind')}, "
                  f"{statistics.median(times):6.1f} s ({min(times):.1f}-{max(times):.1f}; CPU "
                  f"{statistics.median(r[5] for r in results):.1f} s), "
                  f"peak {statistics.median(peaks):6.0f} MB, index "
                  f"{results[0][2] / pages / 1e3:.2f} KB/page ({results[0][3] / pages / 1e3:.2f} KB on disk)",
                  flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int)
    parser.add_argument("--site", type=Path, help="index this built site instead of synthetic pages")
    parser.add_argument("--ways", default="cli,parts")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    ways = args.ways.split(",")
    if args.site:
        report(str(args.site), args.site, ways, args.runs)
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            write_site(size, Path(tmp))
            report(f"{size} synthetic", Path(tmp), ways, args.runs)


if __name__ == "__main__":
    main()
