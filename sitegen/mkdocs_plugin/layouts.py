"""The layouts sitegen ships (``sitegen/theme/``), their versions, and project overrides that shadow them.

Every packaged template and asset carries a version comment,
``sitegen-template: paper.html v2``, raised whenever the file changes. A
project may override any of them in its theme's ``custom_dir``; when such a
copy is older than the packaged file (or carries no version at all), the
project misses what changed since, and ``sitegen check`` says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..models import Diagnostic, display_path

THEME = Path(__file__).resolve().parent.parent / "theme"
_VERSION = re.compile(r"sitegen-template:\s*(?P<name>[\w./-]+)\s+v(?P<version>\d+)")


@dataclass(frozen=True)
class Layout:
    """A packaged template or asset: its path in the theme folder and its version."""

    path: str  # relative to THEME, with forward slashes, as MkDocs names theme files
    version: int


def template_version(text: str) -> int | None:
    """The version in a file's ``sitegen-template`` comment, or None without one."""
    match = _VERSION.search(text[:2000])
    return int(match.group("version")) if match else None


def packaged_layouts() -> list[Layout]:
    """Every file of the packaged theme, with its version (0 for a file without one)."""
    layouts = []
    for path in sorted(THEME.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            version = template_version(path.read_text(encoding="utf-8"))
            layouts.append(Layout(path.relative_to(THEME).as_posix(), version or 0))
    return layouts


class _MkDocsLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, whose Python tags (``!!python/name:...``) and ``!ENV`` values become None."""


_MkDocsLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
_MkDocsLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def _key_line(text: str, key: str) -> int | None:
    match = re.search(rf"^{re.escape(key)}[ \t]*:", text, re.MULTILINE)  # a top-level key
    return text.count("\n", 0, match.start()) + 1 if match else None


def _plugin_names(plugins: Any) -> list[str]:
    if isinstance(plugins, dict):
        return [str(name) for name in plugins]
    if isinstance(plugins, list):
        return [str(next(iter(p))) if isinstance(p, dict) and p else str(p) for p in plugins]
    return []


def check_layouts(root: Path, config_file: str = "mkdocs.yml") -> list[Diagnostic]:
    """Warnings about the MkDocs configuration: no sitegen plugin, overrides older than sitegen's layouts."""
    path = root / config_file
    shown = display_path(path, root)
    try:
        text = path.read_text(encoding="utf-8")
        config = yaml.load(text, Loader=_MkDocsLoader)  # a SafeLoader
    except FileNotFoundError:
        return []  # no site configured here (yet): nothing to compare
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return [Diagnostic("warning", shown, f"cannot read the MkDocs configuration: {exc}")]
    if not isinstance(config, dict):
        return []
    problems = []
    if "sitegen" not in _plugin_names(config.get("plugins", ["search"])):
        problems.append(Diagnostic(
            "warning", shown, "the sitegen plugin is not listed under `plugins`", _key_line(text, "plugins"),
            "add `- sitegen` first under `plugins:`: it lays paper pages out and escapes their titles"))
    theme = config.get("theme")
    custom = theme.get("custom_dir") if isinstance(theme, dict) else None
    if isinstance(custom, str) and custom.strip():
        problems.extend(check_overrides(path.parent / custom, root))
    return problems


def check_overrides(custom_dir: Path, root: Path) -> list[Diagnostic]:
    """A warning for each file of custom_dir that shadows a packaged layout changed since it was copied."""
    problems = []
    for layout in packaged_layouts():
        override = custom_dir / layout.path
        if not override.is_file():
            continue
        shown = display_path(override, root)
        try:
            version = template_version(override.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
        packaged = THEME / layout.path
        if version is None:
            problems.append(Diagnostic(
                "warning", shown,
                f"overrides sitegen's {layout.path} (now v{layout.version}) with a copy of unknown version",
                hint=f"delete it to use sitegen's layout; or bring it up to date with {packaged} "
                     f"and mark it `sitegen-template: {layout.path} v{layout.version}`"))
        elif version < layout.version:
            problems.append(Diagnostic(
                "warning", shown,
                f"overrides sitegen's {layout.path} v{layout.version} with a copy of v{version}: "
                "it misses what changed since",
                hint=f"delete it to use sitegen's layout; or merge the changes of {packaged} "
                     f"and mark it v{layout.version}"))
        elif version > layout.version:
            problems.append(Diagnostic(
                "warning", shown,
                f"is a copy of {layout.path} v{version}, newer than this sitegen's v{layout.version}",
                hint="upgrade sitegen: pip install -U sitegen"))
    return problems
