"""Benchmark the seed reading list: cold build, no-op rebuild, and mkdocs build.

Prints wall time, peak memory and files written for each step, and the ratio
of `sitegen build` to `mkdocs build` on the same content. Run from the
repository root:  python benchmarks/seeds.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Run a command; return its wall time in seconds and its peak memory in MB."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status:
        raise SystemExit(f"{' '.join(command)} failed with status {status}")
    return elapsed, usage.ru_maxrss / 1024


def files_under(folder: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in ("pyproject.toml", "mkdocs.yml", "topics.yml"):
            shutil.copy(REPO / name, root / name)
        shutil.copytree(REPO / "sources", root / "sources")
        sitegen = [str(BIN / "sitegen"), "build"]

        cold, cold_mb = timed(sitegen, root)
        written = files_under(root / "content")
        noop, noop_mb = timed(sitegen, root)
        rewritten = sum(1 for k, v in files_under(root / "content").items() if written.get(k) != v)
        mkdocs, mkdocs_mb = timed([str(BIN / "mkdocs"), "build", "--strict", "-q"], root)
        site = root / "site"
        size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
        pages = list((site / "papers").glob("*/index.html"))
        largest = max(p.stat().st_size for p in pages)
        index = (site / "search/search_index.json").stat().st_size

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"sitegen build, cold : {cold:6.2f} s  peak {cold_mb:6.0f} MB  {len(written)} files written")
    print(f"sitegen build, no-op: {noop:6.2f} s  peak {noop_mb:6.0f} MB  {rewritten} files written")
    print(f"mkdocs build --strict: {mkdocs:5.2f} s  peak {mkdocs_mb:6.0f} MB")
    print(f"ratio sitegen/mkdocs (cold): {cold / mkdocs:.0%}")
    print(f"site: {size / 1e6:.1f} MB, {len(pages)} paper pages, largest {largest / 1e3:.1f} KB, "
          f"search index {index / 1e6:.2f} MB ({index / len(pages) / 1e3:.1f} KB per paper)")


if __name__ == "__main__":
    main()
