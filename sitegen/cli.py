"""Command line: ``sitegen build``."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from .build import build
from .config import ConfigError, find_project, load_config
from .models import SitegenError


@click.group()
@click.version_option(package_name="sitegen")
def main() -> None:
    """Build a reading-list website from paper listings (MkDocs Material)."""


@main.command("build")
@click.option("--sources", "sources", multiple=True, metavar="PATH",
              help="Source file or folder to read; repeat for several. "
                   "Default: [tool.sitegen] sources.")
@click.option("--content", metavar="DIR", help="Content folder (MkDocs docs_dir) to write.")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Project folder holding pyproject.toml (default: found from here upwards).")
@click.option("--strict", is_flag=True, help="Exit with status 1 if any input problem is found.")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of unexpected errors.")
def build_command(sources: tuple[str, ...], content: str | None, project: Path | None,
                  strict: bool, verbose: bool) -> None:
    """Parse sources, deduplicate, tag and write paper, topic and index pages.

    Pages a curator has edited are never overwritten: an existing paper page
    only gains new `sources` entries. Unchanged pages are not touched.
    """
    root = project or find_project(Path.cwd())
    cwd = Path.cwd()
    try:
        # Paths given on the command line are relative to where the user is.
        config = load_config(
            root,
            sources=tuple(str((cwd / s).resolve()) for s in sources),
            content=str((cwd / content).resolve()) if content else None,
        )
        result = build(config)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(2)
    except SitegenError as exc:
        click.echo(f"sitegen: error: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:
        if verbose:
            traceback.print_exc()
        else:
            click.echo(f"sitegen: internal error: {exc!r} (run with -v for the traceback)", err=True)
        sys.exit(3)
    for problem in result.report.diagnostics:
        click.echo(str(problem), err=True)
    click.echo(result.summary())
    if strict and result.report.diagnostics:
        sys.exit(1)
