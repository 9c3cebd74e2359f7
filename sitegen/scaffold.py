"""``sitegen new``: a complete reading-list project, from the files shipped in ``sitegen/skeleton/``.

The project's files are planned in full first (rendered from the skeleton),
then written; a file that already exists is never overwritten.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import jinja2

from .models import SitegenError

SKELETON = Path(__file__).resolve().parent / "skeleton"

# Where each file of a new project comes from: templates (.j2) are rendered, the others copied.
FILES = {
    "pyproject.toml": "pyproject.toml.j2",
    "mkdocs.yml": "mkdocs.yml",
    "topics.yml": "topics.yml",
    "requirements.txt": "requirements.txt.j2",
    "README.md": "README.md.j2",
    ".gitignore": "gitignore",
    ".github/workflows/site.yml": "site.yml",
    "sources/README.md": "sources-README.md",
}
FOLDERS = ("sources", "content")
SEEDS = SKELETON / "seeds"  # the five seed dumps of sitegen's own demo list


@dataclass(frozen=True)
class Written:
    """What writing a project did: files written, and files left as they were."""

    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


# Characters TOML or YAML refuse in a file (controls, lone surrogates from undecodable arguments,
# non-characters, YAML's other line breaks); a line break only in the description.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


def text_problem(name: str, value: str, multiline: bool = False) -> str | None:
    """Why value cannot be the list's title or description, or None when it can."""
    if not value.strip():
        return f"the {name} must not be empty"
    if _UNWRITABLE.search(value) or (not multiline and ("\n" in value or "\t" in value)):
        return f"the {name} holds a control character or undecodable bytes: {value!r}"
    return None


def quoted(value: str) -> str:
    """A string as a double-quoted TOML or YAML scalar (JSON's escapes are valid in both)."""
    return json.dumps(value, ensure_ascii=False)


def requirement() -> str:
    """The requirement a new project installs sitegen with: this sitegen's Git source, else its release."""
    try:
        dist = metadata.distribution("sitegen")
        version = dist.version
        origin = json.loads(dist.read_text("direct_url.json") or "{}")
    except (metadata.PackageNotFoundError, ValueError):
        return "sitegen"
    vcs = origin.get("vcs_info") if isinstance(origin, dict) else None
    url = origin.get("url") if isinstance(origin, dict) else None
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and isinstance(url, str) and url.startswith("https://"):
        return f"sitegen @ git+{url}@{vcs.get('commit_id', '')}".rstrip("@")
    return f"sitegen>={version}"


def _mkdocs_config(text: str, title: str, description: str) -> str:
    """sitegen's own mkdocs.yml with the new list's name and description."""
    for key, value in (("site_name", title), ("site_description", description)):
        line = f"{key}: {quoted(value)}"
        text, found = re.subn(rf"^{key}:.*$", line.replace("\\", "\\\\"), text, count=1, flags=re.MULTILINE)
        if not found:
            text = f"{line}\n{text}"
    return text


def plan_project(title: str, description: str, with_seeds: bool = False) -> dict[str, bytes]:
    """Every file of a new project, by its path in the project folder."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(SKELETON), keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters["quoted"] = quoted
    context = {"title": title, "description": description, "requirement": requirement()}
    files: dict[str, bytes] = {}
    for target, name in FILES.items():
        if name.endswith(".j2"):
            text = env.get_template(name).render(context)
        else:
            text = (SKELETON / name).read_text(encoding="utf-8")
        if target == "mkdocs.yml":
            text = _mkdocs_config(text, title, description)
        files[target] = text.encode("utf-8")
    if with_seeds:
        for seed in sorted(SEEDS.glob("*.txt")):
            files[f"sources/{seed.name}"] = seed.read_bytes()
    return files


def is_empty(folder: Path) -> bool:
    """Whether folder is missing or holds nothing."""
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def write_project(folder: Path, files: dict[str, bytes]) -> Written:
    """Write the planned files under folder, leaving every file that already exists as it is."""
    result = Written()
    try:
        for name in FOLDERS:
            (folder / name).mkdir(parents=True, exist_ok=True)
        for target, data in files.items():
            path = folder / target
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                with path.open("xb") as out:  # "x": never replaces a file, not even one made meanwhile
                    out.write(data)
            except FileExistsError:
                result.kept.append(target)
            else:
                result.written.append(target)
    except OSError as exc:
        raise SitegenError(f"{exc.filename or folder}: cannot write: {exc.strerror or exc}") from exc
    return result
