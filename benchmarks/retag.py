"""Benchmark `sitegen retag` at 10,000 papers, a tenth of them tagged by the curator.

Builds a project of synthetic papers made from the seed pages' titles and
abstracts (each abstract joins sentences of two seed abstracts, so the topics
stay realistic), tags every tenth page by hand (its tags plus one of the
page's other likely topics, so that the pages teach the classifier), then
times `sitegen retag --dry-run` (read, learn, plan) and `sitegen retag`
(the same, writing the changed pages and rebuilding). Each real retag starts
from a copy of the project as it was before the first one (file times kept),
so every run rewrites the same pages; a last retag then finds nothing to
change. Checks that the curated pages are byte-identical afterwards and that
a plain `sitegen build` after the retag has nothing left to do. Prints the
median of the runs, and the stage timings of the last real retag.

Run from the repository root:
    python benchmarks/retag.py [--papers N] [--runs N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import frontmatter

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sitegen.pages import read_pages  # noqa: E402
from sitegen.tagging.learn import curated_tags  # noqa: E402

SITEGEN = [sys.executable, "-m", "sitegen"]


def write_sources(root: Path, count: int, rng: random.Random) -> None:
    """`count` synthetic papers as a CSV source, from the seed pages' text."""
    pages, _, _ = read_pages(REPO / "content/papers", REPO)
    seeds = [(p.title, re.split(r"(?<=\.) ", p.abstract)) for p in pages if p.abstract]
    (root / "sources").mkdir(parents=True)
    with (root / "sources/papers.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "abstract"])
        for i in range(count):
            (title, first), (_, second) = rng.sample(seeds, 2)
            abstract = " ".join(first[: max(1, len(first) // 2)] + second[len(second) // 2:])
            writer.writerow([f"{title} {i}", abstract])


def curate(root: Path, rng: random.Random, share: float = 0.1) -> dict[Path, bytes]:
    """Tag a share of the pages by hand; their bytes afterwards."""
    topics = re.findall(r"^  - name: (.+)$", (root / "topics.yml").read_text(encoding="utf-8"), re.MULTILINE)
    curated = {}
    for path in sorted((root / "content/papers").glob("*.md")):
        if rng.random() >= share:
            continue
        post = frontmatter.load(path)
        tags = list(post.get("tags") or []) or [rng.choice(topics)]
        post["tags"] = [*tags, rng.choice([t for t in topics if t not in tags])]
        path.write_text(frontmatter.dumps(post, sort_keys=False) + "\n", encoding="utf-8")
        curated[path] = path.read_bytes()
    return curated


CPU: list[float] = []  # user + sys seconds of each timed command, its worker processes included


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str], root: Path) -> tuple[float, str]:
    started, cpu = time.perf_counter(), _children_cpu()
    command = [*SITEGEN, *args, "--project", str(root)]
    run = subprocess.run(command, capture_output=True, text=True, check=True)
    CPU.append(_children_cpu() - cpu)
    return time.perf_counter() - started, run.stdout + run.stderr


def _runs(times: list[float], cpu: list[float]) -> str:
    return (f"median {statistics.median(times):.1f} s of {len(times)} runs "
            f"({', '.join(f'{t:.1f}' for t in times)}); CPU median {statistics.median(cpu):.1f} s "
            f"({', '.join(f'{t:.1f}' for t in cpu)})")


def main() -> None:
    """Print the median times of `sitegen retag --dry-run` and `sitegen retag`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the project here and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="sitegen-retag-"))
    rng = random.Random(13)
    try:
        root.mkdir(parents=True, exist_ok=True)
        for name in ("mkdocs.yml", "topics.yml"):
            shutil.copy(REPO / name, root / name)
        (root / "pyproject.toml").write_text('[tool.sitegen]\nsources = ["sources"]\n', encoding="utf-8")
        write_sources(root, args.papers, rng)
        took, _ = timed(["build"], root)
        print(f"{args.papers} papers built in {took:.1f} s")
        curated = curate(root, rng)
        print(f"{len(curated)} pages tagged by hand")
        before = root.with_name(root.name + ".before-retag")
        shutil.rmtree(before, ignore_errors=True)
        shutil.copytree(root, before, symlinks=True)  # copy2: modification times kept, as the build sees them
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        dry, real, dry_cpu, real_cpu = [], [], [], []
        for run in range(args.runs):
            took, out = timed(["retag", "--dry-run"], root)
            dry.append(took)
            dry_cpu.append(CPU[-1])
            if run == 0:
                print(next(line for line in out.splitlines() if line.startswith("sitegen retag:")))
                print("e.g. " + next((line for line in out.splitlines() if "(0." in line), "no change"))
        for run in range(args.runs):
            if run:
                shutil.rmtree(root)
                shutil.copytree(before, root, symlinks=True)
            took, out = timed(["retag", "--timings"], root)
            real.append(took)
            real_cpu.append(CPU[-1])
        stage_line = next(line for line in out.splitlines() if line.startswith("sitegen: timings"))
        print(next(line for line in out.splitlines() if "records read" in line))
        nothing, _ = timed(["retag"], root)
        nothing_cpu = CPU[-1]
        same = sum(path.read_bytes() == text for path, text in curated.items())
        still = sum(curated_tags(frontmatter.load(p).metadata) is not None for p in curated)
        _, built = timed(["build"], root)
        print(f"load average before the runs: {load}; after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"retag --dry-run: {_runs(dry, dry_cpu)}")
        print(f"retag (writes and rebuilds): {_runs(real, real_cpu)}")
        print(f"  {stage_line}")
        print(f"retag with nothing left to change: {nothing:.1f} s (CPU {nothing_cpu:.1f} s)")
        print(f"curated pages byte-identical after retag: {same} of {len(curated)} ({still} still curated)")
        summary = [line for line in built.splitlines() if line.startswith("sitegen: ")]
        print(f"a build after the retag: {summary[-1]}")
    finally:
        shutil.rmtree(root.with_name(root.name + ".before-retag"), ignore_errors=True)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
