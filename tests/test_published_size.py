"""The scale benchmark's published size: what GNU tar writes for the site, as GitHub Pages' artifact."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

SCALE = Path(__file__).resolve().parent.parent / "benchmarks/scale.py"


def load_scale() -> Any:
    """The scale benchmark, as a module."""
    spec = importlib.util.spec_from_file_location("scale", SCALE)
    assert spec and spec.loader
    scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scale)
    return scale


@pytest.mark.skipif(shutil.which("tar") is None, reason="needs tar")
def test_the_published_size_is_the_tar_the_pages_artifact_holds(tmp_path: Path) -> None:
    scale = load_scale()
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


@pytest.mark.skipif(shutil.which("du") is None, reason="needs du")
def test_the_size_on_disk_is_what_du_counts(tmp_path: Path) -> None:
    scale = load_scale()
    site = tmp_path / "site"
    for n in range(30):  # a folder a page, as MkDocs writes them: du counts the folders' blocks too
        (site / f"papers/p{n}").mkdir(parents=True)
        (site / f"papers/p{n}/index.html").write_bytes(b"x" * (n * 400))
    counted = subprocess.run(["du", "-s", "--block-size=1", str(site)], capture_output=True, text=True,
                             check=True).stdout.split()[0]
    assert scale.site_parts(site, 1)["whole site"][2] * 1000 == pytest.approx(int(counted))
