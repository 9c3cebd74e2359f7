"""Benchmark a large real corpus with the control characters, odd titles and escapes real dumps carry.

Reads every real record on disk (the seed dumps, DBLP-ACM's two tables and
BibDedupe's two sets: 8,353 records) with sitegen's own readers, writes them
as JSON exports COPIES times (a JSON array with every non-ASCII character
escaped, JSON Lines with raw control characters inside strings, the Papers
API's shape; one file each, so the same lists re-exported), and injects into
them, deterministically: a control character or escape sequence (form feed,
escape code, bell, NUL, lone surrogate, next line) into every 20th title and
every 25th abstract, an object title into every 400th record and a list title
into every 401st. Then it runs `sitegen build` in a temporary project and
prints its summary, wall time, peak memory, the parse stage's time, the
diagnostics by kind, and whether any control character reached content/.

Run from the repository root:
    python benchmarks/hostile.py [COPIES] [--sitegen PATH] [--mkdocs]
COPIES defaults to 3 (25,053 records); --sitegen runs another install's
command on the same corpus, to compare; --mkdocs also runs `mkdocs build
--strict` on the result.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# ../shared/data beside the repository (or beside the folder of its worktrees)
DATA = next((p / "shared/data" for p in (REPO.parent, REPO.parent.parent) if (p / "shared/data").is_dir()),
            REPO.parent / "shared/data")
BIN = Path(sys.executable).parent
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
INJECTED = ["\x0c", "\x1b[1m", "\x07", "\x00", "\ud83d", "\x85"]


def real_records() -> list[dict[str, Any]]:
    """Every real record on disk as a flat JSON record, read by sitegen's readers."""
    from sitegen.readers.parse import collect_sources, parse_sources

    paths = [REPO / "sources", DATA / "dblp-acm/DBLP.csv", DATA / "dblp-acm/ACM.csv",
             DATA / "bib-dedupe/stroke/records_pre_merged.csv",
             DATA / "bib-dedupe/haematology/records_pre_merged.csv"]
    files, _ = collect_sources([p for p in paths if p.exists()], REPO)
    records, _ = parse_sources(files)
    return [{"title": r.title, "abstract": r.abstract, "authors": list(r.authors), "year": r.year,
             "venue": r.venue, "doi": r.doi} for r in records]


def inject(records: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """The records with the injected characters and non-text titles (a copy)."""
    rng = random.Random(seed)
    out = []
    for i, record in enumerate(records):
        record = dict(record)
        if i % 20 == 0:
            words = record["title"].split(" ")
            at = rng.randrange(len(words))
            words[at] = words[at] + rng.choice(INJECTED)
            record["title"] = " ".join(words)
        if i % 25 == 0 and record["abstract"]:
            record["abstract"] = rng.choice(INJECTED) + record["abstract"]
        if i % 400 == 7:
            record["title"] = {"text": record["title"]}
        elif i % 401 == 9:
            record["title"] = record["title"].split(" ")
        out.append(record)
    return out


def write_corpus(sources: Path, records: list[dict[str, Any]], copies: int) -> int:
    """The corpus files; returns the number of records written."""
    shapes = ["json", "jsonl", "hf-api"]
    for copy in range(copies):
        data = inject(records, copy)
        shape = shapes[copy % 3]
        if shape == "json":
            text = json.dumps(data, ensure_ascii=True, indent=1)
        elif shape == "jsonl":
            lines = [json.dumps(r, ensure_ascii=False).replace("\\u0007", "\x07").replace("\\f", "\x0c")
                     .replace("\\u001b", "\x1b") for r in data]
            text = "\n".join(lines).encode("utf-8", "replace").decode("utf-8")  # no surrogate in a file
        else:
            text = json.dumps([{"paper": {"title": r["title"], "summary": r["abstract"],
                                          "authors": [{"name": a} for a in r["authors"]]}}
                               for r in data], ensure_ascii=True)
        suffix = "jsonl" if shape == "jsonl" else "json"
        (sources / f"corpus-{copy + 1}.{suffix}").write_text(text, encoding="utf-8")
    return len(records) * copies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("copies", nargs="?", type=int, default=3)
    parser.add_argument("--sitegen", default=str(BIN / "sitegen"))
    parser.add_argument("--mkdocs", action="store_true")
    args = parser.parse_args()
    records = real_records()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in ("topics.yml", "mkdocs.yml"):
            shutil.copy(REPO / name, root / name)
        shutil.copytree(REPO / "overrides", root / "overrides")
        (root / "pyproject.toml").write_text(
            '[tool.sitegen]\nsources = ["sources"]\ntitle = "Hostile corpus"\n', encoding="utf-8")
        (root / "sources").mkdir()
        written = write_corpus(root / "sources", records, args.copies)
        print(f"{len(records):,} real records, written {args.copies} times: {written:,} records")
        start = time.perf_counter()
        done = subprocess.run([args.sitegen, "build", "--timings"], cwd=root, capture_output=True, text=True,
                              check=False)
        elapsed = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        lines = done.stderr.strip().splitlines()
        if done.returncode:
            print("\n".join(lines[-5:]), file=sys.stderr)
            print(f"sitegen build failed (status {done.returncode}) after {elapsed:.1f} s")
            return 1
        print(done.stdout.strip())
        print(f"sitegen build: {elapsed:.1f} s, peak {peak:.0f} MB (largest process)")
        kinds = Counter(re.sub(r"^\S+: (\w+): (record \d+: )?", r"\1: ", line).split(";")[0]
                        for line in lines if re.match(r"^\S+:\d+: (error|warning):", line))
        for kind, count in kinds.most_common(8):
            print(f"  {count:6,}  {kind}")
        print("  " + next((line for line in lines if "parse" in line and "s" in line), "(no timings)"))
        leaked = [p for p in (root / "content").rglob("*") if p.is_file()
                  and CONTROL.search(p.read_text(encoding="utf-8"))]
        print(f"files under content/ holding a control character: {len(leaked)}")
        if args.mkdocs:
            start = time.perf_counter()
            site = subprocess.run([str(BIN / "mkdocs"), "build", "--strict"], cwd=root, capture_output=True,
                                  text=True, check=False)
            print(f"mkdocs build --strict: status {site.returncode}, {time.perf_counter() - start:.0f} s")
        return 1 if leaked else 0


if __name__ == "__main__":
    sys.exit(main())
