"""Benchmark sitegen at 1,000 / 10,000 / 100,000 records (synthetic, from the seed vocabulary).

For each size it writes a corpus in every supported format (Papers page text,
Papers API JSON, JSON Lines, CSV, TSV, BibTeX) with about 20% duplicates in
realistic variants (case and punctuation changes, one-letter typos, arXiv
v1/v2, the same paper in a text dump and in JSON), then measures a cold
`sitegen build`, a no-op rebuild and a rebuild after adding one new dump, and
(unless --no-mkdocs) `mkdocs build` on the same content. It prints wall time,
peak memory, records per second, files written and the sitegen/mkdocs ratio.

`mkdocs build` runs --runs times (medians are printed) into a fresh site/, as
in CI (removing an old site/ is MkDocs' first step otherwise; its time is
printed apart), and, where the site searches with Pagefind, as many times
again without Pagefind's indexing (as `sitegen serve` builds).

Run from the repository root:
    python benchmarks/scale.py [SIZE ...] [--no-mkdocs] [--keep DIR] [--runs N] [--paper-urls file]
SIZE defaults to 1000 10000 100000.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FORMATS = ("txt", "api.json", "jsonl", "csv", "tsv", "bib")


def vocabulary() -> tuple[list[str], list[str]]:
    """Title and abstract words of the seed dumps."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "sources").glob("*.txt")))
    words = re.findall(r"[A-Za-z][A-Za-z-]{2,}", text)
    capitalised = [w for w in words if w[0].isupper()] or words
    return capitalised, words


def make_papers(count: int, rng: random.Random) -> list[dict[str, object]]:
    """Distinct synthetic papers: title, abstract, authors, year, arXiv id."""
    title_words, words = vocabulary()
    surnames = sorted({w for w in title_words if len(w) > 4})[:3000]
    papers = []
    for i in range(count):
        title = " ".join(rng.choice(title_words) for _ in range(rng.randint(6, 12)))
        abstract = " ".join(rng.choice(words) for _ in range(rng.randint(90, 180))) + "."
        papers.append({
            "title": f"{title} {i}",  # the number keeps titles distinct, as real ones are
            "abstract": abstract,
            "authors": [f"{rng.choice(title_words)} {rng.choice(surnames)}"
                        for _ in range(rng.randint(1, 6))],
            "year": rng.randint(2015, 2026),
            "arxiv": f"{rng.randint(1501, 2612)}.{i:05d}",
        })
    return papers


def variant(paper: dict[str, object], rng: random.Random) -> dict[str, object]:
    """The same paper as another source lists it."""
    copy = dict(paper)
    title = str(paper["title"])
    kind = rng.choice(("case", "punct", "typo", "version"))
    if kind == "case":
        copy["title"] = title.lower()
    elif kind == "punct":
        copy["title"] = title.replace(" ", ": ", 1) + "."
    elif kind == "typo":
        k = rng.randrange(len(title) - 3) + 1
        copy["title"] = title[:k] + title[k + 1:]
    else:
        copy["arxiv"] = f"{paper['arxiv']}v2"
    return copy


def write(records: list[dict[str, object]], fmt: str, path: Path) -> None:
    """Write records in one of the formats sitegen reads."""
    if fmt == "txt":
        path.write_text("Daily Papers\n\n" + "".join(f"{r['title']}\n\n{r['abstract']}\n\n" for r in records),
                        encoding="utf-8")
    elif fmt == "api.json":
        path.write_text(json.dumps([{"paper": {
            "id": r["arxiv"], "title": r["title"], "summary": r["abstract"],
            "authors": [{"name": a} for a in r["authors"]],  # type: ignore[attr-defined]
            "publishedAt": f"{r['year']}-01-15T00:00:00.000Z"}} for r in records]), encoding="utf-8")
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    elif fmt in ("csv", "tsv"):
        import csv
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter="," if fmt == "csv" else "\t")
            writer.writerow(["title", "authors", "year", "arxiv", "abstract"])
            for r in records:
                writer.writerow([r["title"], "; ".join(r["authors"]), r["year"], r["arxiv"],  # type: ignore[arg-type]
                                 r["abstract"]])
    else:
        entries = []
        for n, r in enumerate(records):
            authors = " and ".join(r["authors"])  # type: ignore[arg-type]
            entries.append(f"@article{{p{n},\n  title = {{{r['title']}}},\n  author = {{{authors}}},\n"
                           f"  year = {r['year']},\n  eprint = {{{r['arxiv']}}},\n"
                           f"  abstract = {{{r['abstract']}}}\n}}\n")
        path.write_text("\n".join(entries), encoding="utf-8")


def corpus(size: int, folder: Path, seed: int = 1) -> int:
    """Write `size` records (80% distinct papers, 20% duplicates) as source files; returns the file count."""
    rng = random.Random(seed)
    distinct = make_papers(int(size * 0.8), rng)
    records = distinct + [variant(rng.choice(distinct), rng) for _ in range(size - len(distinct))]
    rng.shuffle(records)
    folder.mkdir(parents=True, exist_ok=True)
    per_file = max(100, size // 12)  # a dozen dumps, two of each format
    files = 0
    for start in range(0, len(records), per_file):
        fmt = FORMATS[files % len(FORMATS)]
        write(records[start:start + per_file], fmt, folder / f"dump-{files:03d}.{fmt}")
        files += 1
    return files


class TreeMemory:
    """Peak memory of a process and all its children together (Linux: proportional set sizes).

    The build forks workers; each one's own peak (ru_maxrss) leaves the others
    out, and adding RSS would count pages they share twice. PSS splits shared
    pages between the processes sharing them, so the sum is what the tree uses.
    """

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_kb, self.running = pid, 0, True
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                        ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                children.setdefault(ppid, []).append(int(entry))
        tree, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, []))
        return tree

    def _poll(self) -> None:
        while self.running:
            total = 0
            for pid in self._tree():
                try:
                    with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as handle:
                        total += next((int(line.split()[1]) for line in handle if line.startswith("Pss:")), 0)
                except (OSError, ValueError):
                    continue
            self.peak_kb = max(self.peak_kb, total)
            time.sleep(0.2)  # a few samples a second: reading smaps costs the kernel time too

    def stop(self) -> float:
        """Stop polling; the peak in MB."""
        self.running = False
        self.thread.join()
        return self.peak_kb / 1024


def cpu_seconds() -> float:
    """User and system CPU time of the finished children of this process (and theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], cwd: Path) -> tuple[float, float, str]:
    """Run a command: wall seconds, peak memory of all its processes in MB, and its last output line
    (plus the timings lines and its CPU time: on a shared machine wall time also counts waiting)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    cpu = cpu_seconds()
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errors:
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=errors, text=True)
        memory = TreeMemory(proc.pid) if Path("/proc/self/smaps_rollup").exists() else None
        out = proc.stdout.read() if proc.stdout else ""
        proc.wait()
        elapsed = time.perf_counter() - start
        peak = memory.stop() if memory else 0.0
        errors.seek(0)
        timings = [line for line in errors.read().splitlines()
                   if line.startswith(("sitegen: timings", "sitegen: peak memory"))]
    if proc.returncode:
        raise SystemExit(f"{' '.join(command)} failed with status {proc.returncode}")
    used = f"cpu: {cpu_seconds() - cpu:.2f} s of CPU time (user and system, all processes)"
    return elapsed, peak, "\n".join([(out.strip().splitlines() or [""])[-1], *timings, used])


def files_written(line: str) -> str:
    if "nothing changed" in line:
        return "0"
    match = re.search(r"files: (\d+) new, (\d+) updated", line)
    return str(int(match.group(1)) + int(match.group(2))) if match else "?"


# `mkdocs build` with the sitegen plugin's Pagefind step left out, as `sitegen serve` builds.
WITHOUT_PAGEFIND = """
from mkdocs.config import load_config
from mkdocs.commands.build import build
config = load_config("mkdocs.yml")
config.plugins["sitegen"].index_later = True
config.plugins.on_startup(command="build", dirty=False)
build(config)
config.plugins.on_shutdown()
"""


def mkdocs_runs(root: Path, runs: int, pagefind: bool = True) -> dict[str, float]:
    """Medians of `mkdocs build` runs into a fresh site/: wall seconds, peak MB, CPU seconds."""
    command = [str(BIN / "mkdocs"), "build", "-q"] if pagefind else [sys.executable, "-c", WITHOUT_PAGEFIND]
    results = []
    for _ in range(runs):
        shutil.rmtree(root / "site", ignore_errors=True)
        secs, mb, line = timed(command, root)
        results.append((secs, mb, float(line.split("cpu: ", 1)[1].split()[0])))
    return {key: statistics.median(r[i] for r in results) for i, key in enumerate(("secs", "mb", "cpu"))}


def run(size: int, root: Path, mkdocs: bool, runs: int = 1,
        paper_urls: str = "directory") -> dict[str, object]:
    """Measure one corpus size."""
    for name in ("mkdocs.yml", "topics.yml"):
        shutil.copy(REPO / name, root / name)
    (root / "pyproject.toml").write_text('[tool.sitegen]\nsources = ["sources"]\ntitle = "Benchmark"\n'
                                         f'paper_urls = "{paper_urls}"\n',
                                         encoding="utf-8")
    corpus(size, root / "sources")
    sitegen = [str(BIN / "sitegen"), "build", "--timings"]
    row: dict[str, object] = {"records": size}
    row["cold"] = timed(sitegen, root)
    row["noop"] = timed(sitegen, root)
    rng = random.Random(size)
    extra = make_papers(50, rng)
    write(extra, "jsonl", root / "sources/zz-new-dump.jsonl")
    row["one_dump"] = timed(sitegen, root)
    if mkdocs:
        row["mkdocs"] = mkdocs_runs(root, runs)
        site = root / "site"
        pages = list((site / "papers").glob("*/index.html")) + list((site / "papers").glob("*.html"))
        row["site_mb"] = sum(p.stat().st_size for p in site.rglob("*") if p.is_file()) / 1e6
        row["largest_paper_kb"] = max(p.stat().st_size for p in pages) / 1e3
        others = [p for p in site.rglob("index.html") if "/papers/" not in str(p)]
        row["largest_other_kb"] = max(p.stat().st_size for p in others) / 1e3
        index = site / "search/search_index.json"
        # Material's index, or Pagefind's (all its files; a search fetches a few of them).
        size = index.stat().st_size if index.exists() else sum(
            p.stat().st_size for p in (site / "pagefind").rglob("*") if p.is_file())
        row["search"] = "Material" if index.exists() else "Pagefind"
        row["index_kb_per_paper"] = size / 1e3 / max(len(pages), 1)
        row["parts"] = site_parts(site, len(pages))
        row["papers"] = len(pages)
        start = time.perf_counter()
        shutil.rmtree(site)  # what `mkdocs build` does first when a site/ is there
        row["clean_s"] = time.perf_counter() - start
        if row["search"] == "Pagefind":
            row["mkdocs_bare"] = mkdocs_runs(root, runs, pagefind=False)
    return row


PARTS = {"papers": "paper pages", "topics": "topic pages", "exports": "exports", "pagefind": "search index",
         "search": "search index", "feeds": "feeds"}


def tar_bytes(relative: str, size: int | None) -> int:
    """Bytes a file (size) or folder (None) takes in the tar GitHub Pages publishes.

    actions/upload-pages-artifact runs GNU tar on the site folder (`tar -cf artifact.tar .`):
    a 512-byte header for each file and folder, the content padded to 512 bytes, and a GNU
    long-name entry before any member whose name ("./" + path) is over 100 bytes.
    """
    name = f"./{relative}" + ("/" if size is None else "")
    length = len(name.encode("utf-8"))
    long_name = 512 + -(-(length + 1) // 512) * 512 if length > 100 else 0
    return long_name + 512 + (-(-size // 512) * 512 if size else 0)


def site_parts(site: Path, papers: int) -> dict[str, tuple[float, float, float]]:
    """KB per paper of each part of the site: (bytes, bytes in the published tar, disk blocks as du
    counts them: its files' and its folders', a folder taking a block or more too)."""
    parts: dict[str, list[int]] = {}
    for path in site.rglob("*"):
        relative = path.relative_to(site)
        part = PARTS.get(relative.parts[0], "other")
        sizes = parts.setdefault(part, [0, 0, 0])
        stat = path.stat()
        if path.is_file():
            sizes[0] += stat.st_size
            sizes[1] += tar_bytes(relative.as_posix(), stat.st_size)
        elif path.is_dir():
            sizes[1] += tar_bytes(relative.as_posix(), None)
        sizes[2] += stat.st_blocks * 512
    totals = [sum(s[i] for s in parts.values()) for i in range(3)]
    totals[2] += site.stat().st_blocks * 512  # `du site` counts the folder itself as well
    # The root folder's entry, two zero blocks at the end, and the tar padded to 10 KB records.
    totals[1] = -(-(totals[1] + 512 + 1024) // 10240) * 10240
    parts["whole site"] = totals
    return {name: tuple(n / 1e3 / max(papers, 1) for n in sizes)  # type: ignore[misc]
            for name, sizes in parts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000, 100000])
    parser.add_argument("--no-mkdocs", action="store_true", help="skip mkdocs build")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    parser.add_argument("--runs", type=int, default=1, help="mkdocs builds to take the median of")
    parser.add_argument("--paper-urls", choices=("directory", "file"), default="directory",
                        help="[tool.sitegen] paper_urls: papers/<slug>/ or papers/<slug>.html")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = (args.keep / str(size)) if args.keep else Path(tmp)
            root.mkdir(parents=True, exist_ok=True)
            row = run(size, root, not args.no_mkdocs, args.runs, args.paper_urls)
        cold, noop, one = row["cold"], row["noop"], row["one_dump"]
        print(f"\n{size} records")
        for label, (secs, mb, line) in (("cold", cold), ("no-op", noop), ("+1 dump", one)):  # type: ignore[misc]
            print(f"  sitegen build {label:8}: {secs:7.2f} s  peak {mb:7.0f} MB (all processes)  "
                  f"{size / secs:9.0f} records/s  {files_written(line):>6} files written")
        print("  " + cold[2].replace("\n", "\n  cold: "))  # type: ignore[index]
        print("  +1 dump: " + one[2].split("\n")[-1])  # type: ignore[index]
        if "mkdocs" in row:
            papers = int(row["papers"])  # type: ignore[call-overload]
            runs = [("mkdocs build", row["mkdocs"])]
            if "mkdocs_bare" in row:
                runs.append(("  without Pagefind", row["mkdocs_bare"]))
            for label, run_ in runs:
                secs, mb, cpu = run_["secs"], run_["mb"], run_["cpu"]  # type: ignore[index]
                print(f"  {label:20}: {secs:7.2f} s  peak {mb:7.0f} MB;  {secs / papers * 1000:.2f} ms a "
                      f"paper page ({cpu / papers * 1000:.2f} ms of CPU time, all processes); "
                      f"median of {args.runs} into a fresh site/")
            print(f"  sitegen/mkdocs (cold) {cold[0] / row['mkdocs']['secs']:.0%}; "  # type: ignore[index]
                  f"removing the old site/, which `mkdocs build` does first: {row['clean_s']:.2f} s")
            published = row["parts"]["whole site"][1] * papers / 1e3  # type: ignore[index]
            print(f"  site {row['site_mb']:.1f} MB ({published:.1f} MB published), "
                  f"largest paper page {row['largest_paper_kb']:.1f} KB, "
                  f"largest other page {row['largest_other_kb']:.1f} KB, "
                  f"search index ({row['search']}) {row['index_kb_per_paper']:.2f} KB per paper")
            print("  KB per paper (bytes / published, as GitHub Pages' tar holds it / on disk, as du "
                  "counts 4 KB blocks): " + ", ".join(f"{name} {b:.2f} / {t:.2f} / {d:.2f}"
                                                      for name, (b, t, d) in row["parts"].items()))  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
