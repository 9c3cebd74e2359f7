"""Benchmark deduplication inside one reference-manager export against BibDedupe, side by side.

For each BibDedupe benchmark set (records_pre_merged.csv, merged_record_ids.csv;
see ../shared/data/bib-dedupe/README.md) it prints, for sitegen and for
BibDedupe, the false positives and the sensitivity by BibDedupe's own metric
and the median time of a few runs on this machine:

- sitegen: the set as one CSV source, read and deduplicated in this process
  (the time of `sitegen.readers.parse` + `sitegen.matching.dedupe`), scored on its papers; the
  workplace scorer (score_bibdedupe.py, a full `sitegen build`) is run once too
  and its line printed, when found.
- BibDedupe: prep, block, match and cluster, run by the Python of a separate
  virtual environment (bib-dedupe is no dependency of sitegen). Make it with
      python3 -m venv .venv-bibdedupe && .venv-bibdedupe/bin/pip install bib-dedupe
  and point at it with --bibdedupe-python or BIBDEDUPE_PYTHON (default:
  .venv-bibdedupe/bin/python in the repository). Without it only sitegen is measured.

Run from the repository root:
    python benchmarks/bibdedupe.py [--data DIR] [--runs N] [SET ...]
DIR defaults to ../shared/data/bib-dedupe; SETs to every set found there.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# Run by BibDedupe's own Python: reads the set, prints the duplicate sets and the time as JSON.
_BIBDEDUPE = """
import json, sys, time
import pandas as pd
from bib_dedupe.bib_dedupe import block, cluster, match, prep
records = pd.read_csv(sys.argv[1], dtype=str).fillna("")
start = time.perf_counter()
sets = cluster(match(block(prep(records, verbosity_level=0), verbosity_level=0), verbosity_level=0),
               verbosity_level=0)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "sets": [sorted(s) for s in sets]}))
"""


def score(ids: list[str], groups: list[list[str]], truth: list[set[str]], singles: bool) -> tuple[int, float]:
    """BibDedupe's metric: FP (a true group or unique record left without a surviving record) and
    sensitivity; a group's survivor is its first record in file order. `singles`: records in no
    group survive (BibDedupe lists only duplicate sets; sitegen lists every paper, and a record
    it could not read is lost)."""
    order = {x: i for i, x in enumerate(ids)}
    grouped = {x for g in groups for x in g}
    survivors = {min(g, key=order.__getitem__) for g in groups if g}
    if singles:
        survivors |= set(ids) - grouped
    in_any = set().union(*truth)
    fp = sum(1 for x in ids if x not in in_any and x not in survivors)
    tp = fn = 0
    for group in truth:
        n = len(group & survivors)
        fp += n == 0
        tp += len(group) - max(n, 1)
        fn += max(n - 1, 0)
    return fp, tp / (tp + fn) if tp + fn else 0.0


def sitegen_run(ids: list[str], text: str, name: str) -> tuple[list[list[str]], float]:
    """The set's papers as lists of record IDs, and the seconds parse and dedupe took."""
    from sitegen.matching.dedupe import dedupe
    from sitegen.readers.parse import SourceFile, parse_text

    start = time.perf_counter()
    records, _ = parse_text(text, SourceFile(Path(f"{name}.csv"), f"{name}.csv", f"sources/{name}.csv"))
    papers = dedupe(records).papers
    elapsed = time.perf_counter() - start
    return [[ids[s.record - 1] for s in p.sources] for p in papers], elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("sets", nargs="*")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared/data/bib-dedupe")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bibdedupe-python", type=Path, default=Path(
        os.environ.get("BIBDEDUPE_PYTHON", REPO / ".venv-bibdedupe/bin/python")))
    parser.add_argument("--scorer", type=Path, default=REPO.parent / "shared/tools/score_bibdedupe.py")
    args = parser.parse_args()
    found = sorted(p.name for p in args.data.iterdir() if (p / "records_pre_merged.csv").is_file()) \
        if args.data.is_dir() else []
    names = args.sets or found
    if not names:
        print(f"no BibDedupe sets found in {args.data}", file=sys.stderr)
        return 2
    bibdedupe = args.bibdedupe_python if args.bibdedupe_python.is_file() else None
    if bibdedupe is None:
        print(f"BibDedupe not found at {args.bibdedupe_python}: measuring sitegen only", file=sys.stderr)
    csv.field_size_limit(10**9)
    rows_out = []
    for name in names:
        folder = args.data / name
        with open(folder / "records_pre_merged.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        with open(folder / "merged_record_ids.csv", encoding="utf-8", newline="") as fh:
            truth = [set(r["merged_ids"].split(";")) for r in csv.DictReader(fh)]
        ids = [r["ID"] for r in rows]
        # The records as a curator's export: without the benchmark's IDs.
        fields = [f for f in rows[0] if f not in ("ID", "ID_old")]
        out = io.StringIO(newline="")
        writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        sitegen_run(ids, out.getvalue(), name)  # imports and first calls, not timed (BibDedupe's neither)
        runs = [sitegen_run(ids, out.getvalue(), name) for _ in range(args.runs)]
        fp, sensitivity = score(ids, runs[0][0], truth, singles=False)
        line = f"| {name} ({len(ids):,} records, {sum(len(t) - 1 for t in truth)} duplicates) | sitegen | " \
               f"{fp} | {sensitivity:.4f} | {statistics.median(t for _, t in runs):.2f} s |"
        rows_out.append(line)
        if bibdedupe:
            times, sets = [], []
            for _ in range(args.runs):
                command = [str(bibdedupe), "-c", _BIBDEDUPE, str(folder / "records_pre_merged.csv")]
                proc = subprocess.run(command, capture_output=True, text=True, check=False)
                if proc.returncode:
                    print(proc.stderr[-2000:], file=sys.stderr)
                    return 1
                found = json.loads(proc.stdout.strip().splitlines()[-1])
                times.append(found["seconds"])
                sets = found["sets"]
            fp, sensitivity = score(ids, sets, truth, singles=True)
            median = statistics.median(times)
            ratio = median / statistics.median(t for _, t in runs)
            rows_out.append(f"| | BibDedupe | {fp} | {sensitivity:.4f} | {median:.2f} s "
                            f"(sitegen {ratio:.0f}x faster) |")
        if args.scorer.is_file():
            with tempfile.TemporaryDirectory() as tmp:
                env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
                proc = subprocess.run([sys.executable, str(args.scorer), tmp, str(folder)],
                                      capture_output=True, text=True, check=False, env=env)
                print(proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-500:])
    print(f"| set | tool | FP | sensitivity | time (median of {args.runs}) |")
    print("| --- | --- | --- | --- | --- |")
    print("\n".join(rows_out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
