"""Command line: ``sitegen build``."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from .build import build, review
from .config import ConfigError, find_project, load_config
from .formats import FORMATS
from .models import SitegenError
from .review import render_report, summary


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
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Read every source in this format instead of detecting it from the file.")
@click.option("--strict", is_flag=True, help="Exit with status 1 if any input problem is found.")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of unexpected errors.")
def build_command(sources: tuple[str, ...], content: str | None, project: Path | None,
                  fmt: str | None, strict: bool, verbose: bool) -> None:
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
            fmt=fmt,
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


@main.command("dedupe")
@click.option("--sources", "sources", multiple=True, metavar="PATH",
              help="Source file or folder to read; repeat for several. Default: [tool.sitegen] sources.")
@click.option("--content", metavar="DIR", help="Content folder whose curator decisions to obey.")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Project folder holding pyproject.toml (default: found from here upwards).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Read every source in this format instead of detecting it from the file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to this file instead of printing it.")
@click.option("--summary", "only_summary", is_flag=True, help="Print only the one-line summary.")
def dedupe_command(sources: tuple[str, ...], content: str | None, project: Path | None, fmt: str | None,
                   output: Path | None, only_summary: bool) -> None:
    """Report how the sources deduplicate: every merge with its reason, and the near misses.

    Nothing is written except the report file asked for with --output. Use it
    to review merges before a build, then split or force them in the paper
    pages' front matter (`distinct_from`, `duplicate_of`).
    """
    root = project or find_project(Path.cwd())
    cwd = Path.cwd()
    try:
        config = load_config(
            root, sources=tuple(str((cwd / s).resolve()) for s in sources),
            content=str((cwd / content).resolve()) if content else None, fmt=fmt,
        )
        result = review(config)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(2)
    for problem in result.report.diagnostics:
        click.echo(str(problem), err=True)
    if only_summary:
        click.echo(summary(result.dedupe, result.records))
        return
    text = render_report(result.dedupe, result.records)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{summary(result.dedupe, result.records)}; report written to {output}")
    else:
        click.echo(text, nl=False)
