"""Curation: retag with memory, topic pins and introductions, `sitegen check`."""

from __future__ import annotations

from pathlib import Path

import frontmatter
from click.testing import CliRunner

from sitegen.build import build
from sitegen.cli import main
from sitegen.config import load_config
from sitegen.retag import merge_tags

SAE = "content/papers/sparse-autoencoders-find-monosemantic-features-in-language-models.md"
CURATING = "content/papers/curating-reading-lists-by-hand.md"


def run(root: Path):  # type: ignore[no-untyped-def]
    return build(load_config(root))


def cli(root: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, [*args, "--project", str(root)])


def edit(root: Path, rel: str, **changes: object) -> None:
    path = root / rel
    post = frontmatter.load(path)
    for key, value in changes.items():
        post[key] = value
    path.write_text(frontmatter.dumps(post, sort_keys=False) + "\n", encoding="utf-8")


def add_topic(root: Path, text: str) -> None:
    with (root / "topics.yml").open("a", encoding="utf-8") as handle:
        handle.write(text)


def test_merge_tags_keeps_the_curators_additions_and_removals() -> None:
    # Curator removed B and added Mine; topics now give A and C.
    assert merge_tags(("A", "Mine"), ("A", "B"), ("A", "B", "C")) == (("A", "Mine", "C"), ("A", "B", "C"))
    # sitegen's own A no longer matches: it goes; the removed B stays remembered.
    assert merge_tags(("A",), ("A", "B"), ("C",)) == (("C",), ("C", "B"))
    # A page without memory: every tag counts as the curator's.
    assert merge_tags(("A", "X"), None, ("C",)) == (("A", "X", "C"), ("C",))


def test_retag_follows_topics_yml_without_undoing_edits(project: Path) -> None:
    run(project)
    edit(project, SAE, tags=["Interpretability", "Favourites"])  # removed "Language models"
    add_topic(project, "  - name: Sparse coding\n    description: Sparse codes.\n"
                       "    terms: [sparse autoencoder*, dictionary learning]\n")
    before = (project / SAE).read_bytes()
    dry = cli(project, "retag", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"{SAE}: + Sparse coding" in dry.output
    assert "would change (dry run, nothing written)" in dry.output
    assert (project / SAE).read_bytes() == before

    done = cli(project, "retag")
    assert done.exit_code == 0, done.output
    meta = frontmatter.load(project / SAE).metadata
    assert meta["tags"] == ["Interpretability", "Favourites", "Sparse coding"]
    assert "Language models" in meta["auto_tags"]  # remembered as removed by the curator
    assert "sparse-autoencoders" in (project / "content/topics/sparse-coding.md").read_text(encoding="utf-8")
    assert "## Notes" in (project / SAE).read_text(encoding="utf-8")
    again = cli(project, "retag")
    assert "0 pages retagged" in again.output


def test_pinned_papers_and_an_introduction_lead_the_topic_page(project: Path) -> None:
    add_topic(project, "  - name: Reading\n    description: About reading.\n    terms: [reading list*]\n"
                       "    intro: Start with the **classics**.\n"
                       "    pinned: [curating-reading-lists-by-hand, papers/no-such-paper.md]\n")
    result = run(project)
    page = (project / "content/topics/reading.md").read_text(encoding="utf-8")
    assert "Start with the **classics**.\n\n## Start here\n\n1. **[Curating Reading Lists by Hand]" in page
    found = [str(d) for d in result.report.diagnostics]
    assert any(m.startswith("topics.yml:18: warning: topic 'Reading': pinned paper 'no-such-paper'")
               for m in found), found
    run(project)
    assert (project / "content/topics/reading.md").read_text(encoding="utf-8") == page


def test_check_reports_curation_problems_compiler_style(project: Path) -> None:
    run(project)
    edit(project, SAE, tags=["Interpretabilty"])
    path = project / CURATING
    path.write_text(path.read_text(encoding="utf-8") + "See [the SAE paper](sparse-autoencoders-x.md) "
                    "and [this one](../index.md).\n", encoding="utf-8")
    copy = project / "content/papers/spindet-again.md"
    copy.write_text((project / "content/papers/spindet-rotated-object-detection-in-aerial-images.md")
                    .read_text(encoding="utf-8").replace("record: 1", "record: 9"), encoding="utf-8")
    (project / "content/papers/broken.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    result = cli(project, "check")
    assert result.exit_code == 1
    out = result.output
    assert f"{SAE}:3: error: unknown topic 'Interpretabilty' (did you mean 'Interpretability'?)" in out
    assert f"{CURATING}:" in out and "error: broken link to 'sparse-autoencoders-x.md'" in out
    assert "'../index.md'" not in out
    assert "content/papers/broken.md:3: error: front matter does not parse" in out
    assert "likely the same paper as content/papers/spindet-" in out
    assert f"{CURATING}:3: warning: paper has no topic" in out
    assert out.strip().splitlines()[-1] == "sitegen check: 3 errors, 3 warnings"


def test_check_passes_on_a_clean_build_and_strict_fails_on_warnings(project: Path) -> None:
    run(project)
    result = cli(project, "check")
    assert result.exit_code == 0, result.output  # only warnings: the untagged paper
    assert "sitegen check: 0 errors, 1 warnings" in result.output
    assert cli(project, "check", "--strict").exit_code == 1
    edit(project, CURATING, tags=["Video"])
    assert cli(project, "check", "--strict").exit_code == 0


def test_a_title_edit_keeps_the_slug(project: Path) -> None:
    run(project)
    edit(project, SAE, title="SAEs: A Better Title")
    run(project)
    assert (project / SAE).exists()
    assert not list((project / "content/papers").glob("saes-*"))


def test_a_deleted_page_comes_back_hidden_and_says_so(project: Path) -> None:
    run(project)
    (project / SAE).unlink()
    result = run(project)
    found = [str(d) for d in result.report.diagnostics]
    assert any(m.startswith(f"{SAE}: warning: this page was deleted") for m in found), found
    assert frontmatter.load(project / SAE)["hidden"] is True
    assert "sparse-autoencoders" not in (project / "content/index.md").read_text(encoding="utf-8")
    again = run(project)
    assert again.report.diagnostics == [] and not again.stats.new and not again.stats.updated


def test_a_page_that_does_not_parse_is_never_duplicated(project: Path) -> None:
    run(project)
    renamed = project / "content/papers/my-sae-notes.md"
    (project / SAE).rename(renamed)
    run(project)  # a renamed page keeps its paper: no new page appears
    assert not (project / SAE).exists()
    renamed.write_text(renamed.read_text(encoding="utf-8").replace("title:", "title: [oops", 1),
                       encoding="utf-8")
    text = renamed.read_text(encoding="utf-8")
    result = run(project)
    assert renamed.read_text(encoding="utf-8") == text
    assert not (project / SAE).exists()
    assert any("content/papers/my-sae-notes.md" in str(d) and "does not parse" in str(d)
               for d in result.report.diagnostics)


def test_nothing_outside_content_is_written(project: Path) -> None:
    def outside() -> dict[str, bytes]:
        return {p.relative_to(project).as_posix(): p.read_bytes() for p in sorted(project.rglob("*"))
                if p.is_file() and "content" not in p.relative_to(project).parts}

    before = outside()
    for args in (["build"], ["retag"], ["retag", "--dry-run"], ["check"], ["dedupe"], ["build"]):
        result = cli(project, *args)
        assert result.exit_code in (0, 1), result.output
    assert outside() == before


def test_a_tag_a_source_keyword_names_stays_certain_for_check_and_retag(project: Path) -> None:
    (project / "sources/mine.csv").write_text(
        "title,abstract,tags\nGrowing Tomatoes Indoors,We grow tomatoes under lamps all winter.,Video\n",
        encoding="utf-8")
    run(project)
    rel = "content/papers/growing-tomatoes-indoors.md"
    meta = frontmatter.load(project / rel).metadata
    assert meta["tags"] == meta["auto_tags"] == ["Video"]  # named by the source, though no term matches
    assert meta["keywords"] == ["Video"]
    checked = cli(project, "check")
    assert rel not in checked.output, checked.output
    assert cli(project, "retag").exit_code == 0
    assert frontmatter.load(project / rel).metadata["tags"] == ["Video"]
