"""Benchmark `sitegen enrich` on the seed list against a stand-in Papers API (127.0.0.1).

The stand-in (tests/papers_api.py) holds nine seed papers in ten, as arXiv
writes them (line breaks, LaTeX escapes), a look-alike decoy beside each (a
title with a word more and another paper's abstract), and for each missing
paper a decoy with its exact title and another abstract. It answers 429 with
Retry-After: 1 to every 50th request and 503 to every 70th. Each run copies the
seed project, runs `sitegen enrich --delay 0`, then `sitegen build` and
`mkdocs build --strict`, and counts the papers that got their true arXiv id, a
wrong one, or none, and the paper pages with arXiv buttons or search links.

Run from the repository root:  python benchmarks/enrich.py [RUNS]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sitegen.pages import read_pages  # noqa: E402
from tests.papers_api import every, seed_world, serve  # noqa: E402

BIN = Path(sys.executable).parent


def one_run(tmp: Path) -> dict[str, float]:
    """One enrich of a fresh copy of the seed project; its figures."""
    root = tmp / "list"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    for name in ("pyproject.toml", "mkdocs.yml", "topics.yml"):
        shutil.copy(REPO / name, root / name)
    for name in ("sources", "content"):
        shutil.copytree(REPO / name, root / name)
    shutil.rmtree(root / "sources/enriched", ignore_errors=True)
    pages, _, _ = read_pages(root / "content/papers", root)
    wanted = [(p.slug, p.title, p.abstract) for p in pages if "arxiv" not in p.meta and "doi" not in p.meta]
    limits = (every(50, 429, {"Retry-After": "1"}), every(70, 503))
    world, truth = seed_world(wanted, fault=lambda n, path: limits[0](n, path) or limits[1](n, path))
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "HF_HOME": str(tmp / "hf-home")}
    with serve(world) as url:
        start = time.perf_counter()
        subprocess.run([str(BIN / "sitegen"), "enrich", "--delay", "0", "--endpoint", url,
                        "--arxiv-endpoint", f"{url}/api/query"], cwd=root, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
    subprocess.run([str(BIN / "sitegen"), "build"], cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([str(BIN / "mkdocs"), "build", "--strict", "-q"], cwd=root, env=env, check=True)
    buttons = searches = 0
    for html in (root / "site/papers").glob("*/index.html"):
        text = html.read_text(encoding="utf-8")
        buttons += all(u in text for u in ("https://arxiv.org/abs/", "https://arxiv.org/pdf/",
                                           "https://huggingface.co/papers/2"))
        searches += "https://huggingface.co/papers?q=" in text and "https://scholar.google.com/" in text
    pages, _, _ = read_pages(root / "content/papers", root)
    got = {p.slug: str(p.meta["arxiv"]) for p in pages if p.meta.get("arxiv") and p.slug in dict(
        (w[0], 1) for w in wanted)}
    right = sum(1 for slug, arxiv in got.items() if truth.get(slug) == arxiv)
    return {"papers": len(wanted), "held": len(truth), "right": right, "wrong": len(got) - right,
            "requests": len(world.requests), "seconds": seconds, "pages": len(pages),
            "authors": sum(1 for p in pages if p.meta.get("authors")),
            "years": sum(1 for p in pages if p.meta.get("year")), "buttons": buttons, "searches": searches}


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory() as tmp:
        results = [one_run(Path(tmp)) for _ in range(runs)]
    first = results[0]
    print(f"seed papers without an id: {first['papers']:.0f}; held by the stand-in: {first['held']:.0f}")
    print(f"true ids found: {first['right']:.0f} ({first['right'] / first['held']:.1%} of those held); "
          f"wrong ids: {first['wrong']:.0f}")
    print(f"after `sitegen build`: {first['pages']:.0f} pages, {first['authors']:.0f} with authors, "
          f"{first['years']:.0f} with a year")
    print(f"built site (`mkdocs build --strict`): {first['buttons']:.0f} paper pages with arXiv, PDF and "
          f"Papers-page buttons, {first['searches']:.0f} with search links instead")
    print(f"requests: {first['requests']:.0f}")
    times = [r["seconds"] for r in results]
    print(f"`sitegen enrich --delay 0`: median {statistics.median(times):.1f} s over {runs} runs "
          f"({', '.join(f'{t:.1f}' for t in times)})")


if __name__ == "__main__":
    main()
