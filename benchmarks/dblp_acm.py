"""Benchmark deduplication on the DBLP-ACM entity-resolution data set.

Builds a reading list from DBLP.csv and ACM.csv (two sources) in a temporary
project, then scores it with the workplace scorer, which reads the `sources`
provenance of the paper pages: recall of the 2,224 gold pairs, precision, and
violations (merged records whose authors share no name or whose years differ
by more than one). Also prints the build's time, peak memory and the
merge/near-miss counts of `sitegen dedupe`.

Run from the repository root:
    python benchmarks/dblp_acm.py [DATA_DIR] [SCORER]
DATA_DIR defaults to ../shared/data/dblp-acm, SCORER to ../shared/tools/score_dblp_acm.py.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> int:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared/data/dblp-acm"
    scorer = Path(sys.argv[2]) if len(sys.argv) > 2 else REPO.parent / "shared/tools/score_dblp_acm.py"
    if not (data / "DBLP.csv").is_file() or not scorer.is_file():
        print(f"DBLP-ACM data or scorer not found ({data}, {scorer})", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copy(REPO / "topics.yml", root / "topics.yml")
        (root / "pyproject.toml").write_text(
            '[tool.sitegen]\nsources = ["sources"]\ntitle = "DBLP-ACM"\n', encoding="utf-8")
        (root / "sources").mkdir()
        for name in ("DBLP.csv", "ACM.csv"):
            shutil.copy(data / name, root / "sources" / name)
        start = time.perf_counter()
        proc = subprocess.Popen([str(BIN / "sitegen"), "build"], cwd=root,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = proc.communicate()
        elapsed = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if proc.returncode:
            print(err, file=sys.stderr)
            return 1
        print(out.strip())
        print(f"sitegen build: {elapsed:.2f} s, peak {peak:.0f} MB")
        review = subprocess.run([str(BIN / "sitegen"), "dedupe", "--summary"], cwd=root,
                                capture_output=True, text=True, check=False)
        print(review.stdout.strip())
        score = subprocess.run([sys.executable, str(scorer), str(root / "content"), str(data)],
                               capture_output=True, text=True, check=False)
        print(score.stdout.strip())
        return score.returncode


if __name__ == "__main__":
    sys.exit(main())
