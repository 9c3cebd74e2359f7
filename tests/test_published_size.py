"""The scale benchmark's published size: what GNU tar writes for the site, as GitHub Pages' artifact."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

SCALE = Path(__file__).resolve().parent.parent / "benchmarks/scale.py"


@pytest.mark.skipif(shutil.which("tar") is None, reason="needs tar")
def test_the_published_size_is_the_tar_the_pages_artifact_holds(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("scale", SCALE)
    assert spec and spec.loader
    scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scale)
    site = tmp_path / "site"
    for n in range(1, 41):  # names short and over 100 bytes, empty files and sizes on either side of 512
        folder = site / "papers" / ("p" * (n * 3))
        folder.mkdir(parents=True)
        (folder / "index.html").write_bytes(b"x" * (n * 317 - 317))
    (site / "feeds").mkdir()
    (site / "feeds/all.xml").write_bytes(b"y" * 512)
    # As actions/upload-pages-artifact runs it (without --dereference: nothing here is a link).
    subprocess.run(["tar", "--format=gnu", "-cf", str(tmp_path / "artifact.tar"), "."], cwd=site, check=True)
    parts = scale.site_parts(site, 1)
    assert parts["whole site"][1] * 1000 == pytest.approx((tmp_path / "artifact.tar").stat().st_size)
    assert parts["feeds"][:2] == pytest.approx((0.512, (512 + 512 + 512) / 1000))  # folder, header, content
