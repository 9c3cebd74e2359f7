"""Shared fixtures: a throw-away project folder laid out like a real one."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "sources"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# The key that signs build caches lives in the user's cache folder: the tests' own, not the user's
# (set before any test, so that the builds the tests start as processes use it too).
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="sitegen-tests-cache-")


def make_project(root: Path, sources: list[Path] | None = None) -> Path:
    """Copy the site configuration into root and put the given dumps in root/sources."""
    for name in ("mkdocs.yml", "topics.yml"):
        shutil.copy(REPO / name, root / name)
    (root / "sources").mkdir()
    for source in sources or []:
        shutil.copy(source, root / "sources" / source.name)
    (root / "pyproject.toml").write_text(
        '[tool.sitegen]\nsources = ["sources"]\ncontent = "content"\n'
        'title = "Test list"\ndescription = "A list made by the tests."\n',
        encoding="utf-8",
    )
    return root


def small_taxonomy(root: Path) -> None:
    """Use the tests' small taxonomy in a project made by make_project."""
    shutil.copy(FIXTURES / "topics.yml", root / "topics.yml")
    # Its terms are precise: a title match is enough for a second topic.
    with (root / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write("tag_threshold = 0.3\n")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project holding the small fixture dump, with the build date pinned."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    root = tmp_path / "proj"
    root.mkdir()
    make_project(root, [FIXTURES / "small.txt"])
    small_taxonomy(root)
    return root


@pytest.fixture
def seed_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project holding the five seed dumps."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    root = tmp_path / "seeds"
    root.mkdir()
    return make_project(root, sorted(SEEDS.glob("*.txt")))


# What a wheel of sitegen is built from: the package and the files its links point at.
WHEEL_SOURCES = ("pyproject.toml", "README.md", "mkdocs.yml", "topics.yml", "sources", "sitegen")


def run_checked(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a command; fail the test with its output when it fails."""
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(command)}: {done.stdout}{done.stderr}"
    return done


@pytest.fixture(scope="session")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """sitegen's wheel built from this checkout, installed in a fresh venv outside it: its bin and env.

    Built once a session, offline: the wheel without build isolation, the venv without pip (this
    interpreter's pip installs into it) and with this environment's site-packages after its own,
    so the dependencies are not installed again but sitegen comes from the wheel.
    """
    root = tmp_path_factory.mktemp("wheel")
    source = root / "src"
    source.mkdir()
    for name in WHEEL_SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy(REPO / name, source / name)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(NO_MKDOCS_2_WARNING="1", SOURCE_DATE_EPOCH="1767225600", PIP_DISABLE_PIP_VERSION_CHECK="1")
    pip = [sys.executable, "-m", "pip"]
    run_checked([*pip, "wheel", str(source), "--no-deps", "--no-build-isolation", "-q", "-w", str(root)],
                root, env)
    venv = root / "venv"
    run_checked([sys.executable, "-m", "venv", "--without-pip", str(venv)], root, env)
    python = venv / "bin/python"
    site_dir = Path(run_checked([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                root, env).stdout.strip())
    (site_dir / "test-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n",
                                                    encoding="utf-8")
    wheel = next(root.glob("sitegen-*.whl"))
    run_checked([*pip, "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
                root, env)
    where = run_checked([str(python), "-c", "import sitegen; print(sitegen.__file__)"], root, env).stdout
    assert Path(where.strip()).is_relative_to(venv), where
    return venv / "bin", env


@pytest.fixture(scope="session")
def generated_lists(wheel_venv: tuple[Path, dict[str, str]],
                    tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Lists made and built with the installed wheel as a new user would, empty and with the seeds."""
    bin_dir, env = wheel_venv
    root = tmp_path_factory.mktemp("lists")
    lists = {}
    for name, extra in (("empty", []), ("seeds", ["--with-seeds"])):
        folder = root / name
        run_checked([str(bin_dir / "sitegen"), "new", str(folder), "--title", "My list", *extra], root, env)
        run_checked([str(bin_dir / "sitegen"), "build"], folder, env)
        run_checked([str(bin_dir / "python"), "-m", "mkdocs", "build", "--strict"], folder, env)
        lists[name] = folder
    return lists
