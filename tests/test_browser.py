"""The built site in headless Chromium, as a reader uses it (Playwright + axe-core).

Needs Debian's chromium (`.ci/run` installs it); skipped with the reason when
it or Playwright is missing. Screenshots go to build/screenshots/.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import bibtexparser
import pytest

from sitegen.build import build
from sitegen.config import load_config

from .conftest import FIXTURES, REPO, make_project, small_taxonomy
from .test_search import set_search
from .test_site import mkdocs_build

CHROMIUM = next((p for p in (os.environ.get("SITEGEN_CHROMIUM"), shutil.which("chromium"),
                             "/usr/bin/chromium") if p and Path(p).exists()), None)
playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
if CHROMIUM is None:
    pytest.skip("Chromium not found (apt-get install chromium; .ci/run does)", allow_module_level=True)

SHOTS = REPO / "build/screenshots"
SAE = "papers/sparse-autoencoders-find-monosemantic-features-in-language-models/"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # quiet: no request log in test output
        pass


def serve(folder: Path) -> tuple[str, ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


def built_site(root: Path, record: dict[str, Any], search: str = "",
               settings: str = "") -> tuple[str, ThreadingHTTPServer]:
    """The small project plus one JSON Lines record, built, and served on localhost: its URL and server
    (settings: lines added to [tool.sitegen])."""
    make_project(root, [FIXTURES / "small.txt"])
    small_taxonomy(root)
    with (root / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write(settings)
    (root / "sources/more.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    if search:
        set_search(root, f"      search: {search}\n")
    os.environ["SOURCE_DATE_EPOCH"] = "1767225600"
    build(load_config(root))
    built = mkdocs_build(root)
    assert built.returncode == 0, built.stderr
    return serve(root / "site")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The small project's site, built and served on localhost; yields its base URL."""
    url, server = built_site(tmp_path_factory.mktemp("browser"), {
        "title": "Oriented Object Detection in Aerial Images with Rotated Boxes", "year": 2023,
        "authors": ["Ann Smith", "Bo Chen"], "code": "https://github.com/example/oriented",
        "abstract": "Detecting rotated objects in aerial images needs oriented bounding boxes; our detector "
                    "predicts them directly and improves mAP on DOTA.",
    })
    yield url
    server.shutdown()


HOSTILE = "Segmentation <img src=x onerror=alert(1)> of <svg onload=alert(2)> clouds"


@pytest.fixture(scope="module")
def pagefind_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The small project with a hostile title, searched with Pagefind (as large lists are)."""
    root = tmp_path_factory.mktemp("pagefind")
    url, server = built_site(root, {
        "title": HOSTILE, "abstract": "Clouds <script>alert(3)</script> segmented from satellite images by "
                                      "a model that needs no labels at all, evaluated on three datasets.",
    }, search="pagefind\n      pagefind_part_words: 300")
    # Written in parts of 300 words (a few papers each), as large lists' indexes are: the search
    # merges them.
    parts = json.loads((root / "site/pagefind/sitegen-parts.json").read_text(encoding="utf-8"))["merge"]
    assert len(parts) >= 2, parts  # the first part and at least two merged into it
    yield url
    server.shutdown()


@pytest.fixture(scope="module")
def file_urls_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The small project with paper pages as papers/<slug>.html, searched with Pagefind."""
    url, server = built_site(tmp_path_factory.mktemp("file-urls"), {
        "title": "Oriented Object Detection in Aerial Images with Rotated Boxes",
        "abstract": "Detecting rotated objects in aerial images needs oriented bounding boxes.",
    }, search="pagefind", settings='paper_urls = "file"\n')
    yield url
    server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    args = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to sandbox as root
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def test_home_to_topic_to_paper_and_back(page: Any, site: str) -> None:
    page.goto(site)
    page.locator("article").get_by_role("link", name="Object detection", exact=True).click()
    page.wait_for_url(f"{site}topics/object-detection/")
    assert page.locator("h1").inner_text().rstrip("¶") == "Object detection"
    page.locator("article a", has_text="SpinDet: Rotated Object Detection").first.click()
    page.wait_for_url(f"{site}papers/spindet-rotated-object-detection-in-aerial-images/")
    assert "SpinDet" in page.locator("h1").inner_text()
    page.go_back()
    page.wait_for_url(f"{site}topics/object-detection/")
    page.go_back()
    page.wait_for_url(site)


def test_tag_chips_reach_their_topic_page(page: Any, site: str) -> None:
    page.goto(f"{site}{SAE}")
    page.locator(".sitegen-chips a", has_text="Language models").click()
    page.wait_for_url(f"{site}topics/language-models/")
    assert page.locator("article").get_by_text("Sparse Autoencoders Find Monosemantic").count() >= 1


def search_for(page: Any, words: str) -> str:
    """Type words into Material's search box until its results answer; the results' text."""
    box = page.locator("input.md-search__input")
    box.click()
    meta = page.locator(".md-search-result__meta")
    for _ in range(20):  # the worker builds its index after fetching it: type again until it answers
        box.fill("")
        box.press_sequentially(words, delay=20)
        page.wait_for_timeout(250)
        if "matching" in meta.inner_text():
            break
    assert "matching" in meta.inner_text()
    return str(page.locator(".md-search-result__list").inner_text())


def test_typing_in_the_search_box_lists_the_paper(page: Any, site: str) -> None:
    with page.expect_response("**/search/search_index.json"):
        page.goto(site)
    assert "Sparse Autoencoders Find Monosemantic" in search_for(page, "monosemantic")


def test_a_filter_narrows_a_topic_page(page: Any, site: str) -> None:
    page.goto(f"{site}topics/object-detection/")
    status = page.locator(".sitegen-shown")
    assert status.inner_text() == "2 of 2 papers shown"
    page.get_by_label("With code").check()
    assert status.inner_text() == "2 of 2 papers shown"  # both have code
    page.get_by_label("Words").fill("oriented")
    assert status.inner_text() == "1 of 2 papers shown"
    visible = page.locator("article ul li:visible strong a")
    assert visible.all_inner_texts() == ["Oriented Object Detection in Aerial Images with Rotated Boxes"]
    page.get_by_label("Words").fill("")
    page.get_by_label("Sort").select_option("year")
    first = page.locator("article ul li strong a").first.inner_text()
    assert first.startswith("Oriented")  # the only paper with a year


def test_a_paper_reached_by_instant_navigation_gets_its_buttons_and_title(page: Any, site: str) -> None:
    page.goto(f"{site}topics/interpretability/")
    page.locator(f"article a[href$='{SAE.split('/')[1]}/']").first.click()
    page.wait_for_url(f"{site}{SAE}")
    title = page.locator("article h1").inner_text()
    assert page.locator("[data-md-component=header-topic] .md-ellipsis").inner_text() == title
    # The buttons come after the paper's links, before its abstract, once.
    assert page.locator(":is(.sitegen-links, .sitegen-find) + .sitegen-state .sitegen-toggle").count() == 2
    assert page.locator(".sitegen-state").count() == 1


def test_marking_a_paper_read_survives_a_reload(page: Any, site: str) -> None:
    page.goto(f"{site}{SAE}")
    button = page.get_by_role("button", name="Mark as read")
    button.click()
    page.reload()
    assert page.locator(".sitegen-toggle[data-state='read']").get_attribute("aria-pressed") == "true"
    page.goto(f"{site}topics/interpretability/")
    item = page.locator("li.sitegen-read")
    assert item.count() == 1 and "✓ read" in item.inner_text()
    page.goto(site)
    assert "1 read, 0 starred" in page.locator(".sitegen-state-count").inner_text()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export reading state").click()
    state = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert state == {"sparse-autoencoders-find-monosemantic-features-in-language-models": {"read": True}}


def scheme_after_loading(page: Any, url: str) -> str:
    """The colour scheme a page shows once loaded afresh (not by instant navigation)."""
    page.goto(url)
    return str(page.evaluate("document.body.dataset.mdColorScheme"))


def stored_keys(page: Any) -> list[str]:
    return sorted(page.evaluate("Object.keys(localStorage)"))


def test_the_colour_scheme_chosen_on_one_page_is_kept_on_every_page(page: Any, site: str) -> None:
    page.goto(site)
    page.get_by_title("Switch to dark mode").click()
    page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
    assert "/.__palette" in stored_keys(page)  # kept under the site's root, as Material keeps it
    for path in (SAE, "topics/object-detection/", "tags/"):
        assert scheme_after_loading(page, f"{site}{path}") == "slate", path
    page.get_by_title("Switch to light mode").click()
    page.wait_for_function("document.body.dataset.mdColorScheme === 'default'")
    assert scheme_after_loading(page, f"{site}{SAE}") == "default"


@pytest.fixture(scope="module")
def scoped_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A site with a cookie consent and `extra.scope: /`, served one folder below the server's root."""
    root = tmp_path_factory.mktemp("scoped")
    make_project(root, [FIXTURES / "small.txt"])
    small_taxonomy(root)
    with (root / "mkdocs.yml").open("a", encoding="utf-8") as config:
        config.write("\nextra:\n  scope: /\n  consent:\n    title: Cookie consent\n"
                     "    description: We would like to know how you use the list.\n")
    os.environ["SOURCE_DATE_EPOCH"] = "1767225600"
    build(load_config(root))
    built = mkdocs_build(root)
    assert built.returncode == 0, built.stderr
    url, server = serve(root)
    yield f"{url}site/"
    server.shutdown()


def test_consent_and_scheme_are_kept_under_the_configured_scope(page: Any, scoped_site: str) -> None:
    site = scoped_site
    page.goto(site)
    consent = page.locator("#__consent")
    consent.get_by_role("button", name="Accept").click()  # shown after a moment, as Material does
    page.wait_for_load_state()  # Material reloads the page once the choice is kept
    page.get_by_title("Switch to dark mode").click()
    page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
    # Under the server's root, as `extra.scope: /` asks (the site's own root would be /site/).
    assert stored_keys(page) == ["/.__consent", "/.__palette"]
    for path in (SAE, "topics/object-detection/"):
        assert scheme_after_loading(page, f"{site}{path}") == "slate", path
        page.wait_for_timeout(400)  # Material shows the dialog 250 ms after the page, when no choice is kept
        assert consent.is_hidden(), path


def test_feeds_and_exports_download_and_parse(page: Any, site: str) -> None:
    page.goto(site)
    feed = page.locator("link[type='application/atom+xml']").first.get_attribute("href")
    response = page.request.get(urljoin(page.url, feed))
    assert response.ok, feed
    xml = response.text()
    entries = ET.fromstring(xml).findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 4
    papers = json.loads(page.request.get(f"{site}exports/papers.json").text())
    assert len(papers) == 4
    topic_csv = page.request.get(f"{site}exports/topics/object-detection.csv").text()
    rows = list(csv.DictReader(io.StringIO(topic_csv)))
    assert len(rows) == 2
    library = bibtexparser.parse_string(page.request.get(f"{site}exports/papers.bib").text())
    assert len(library.entries) == 4 and not library.failed_blocks


@pytest.mark.parametrize(("name", "path"), [
    ("home", ""), ("topic", "topics/object-detection/"),
    ("paper", "papers/spindet-rotated-object-detection-in-aerial-images/"),
])
def test_pages_are_accessible_and_screenshotted(page: Any, site: str, name: str, path: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page.goto(f"{site}{path}")
    page.wait_for_load_state("networkidle")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert serious == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in serious]


def test_pagefind_search_box_lists_the_paper(page: Any, pagefind_site: str) -> None:
    import time

    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{pagefind_site}topics/object-detection/")
    box = page.locator("input.md-search__input")
    box.click()
    start = time.perf_counter()
    box.press_sequentially("monosemantic features", delay=20)
    results = page.locator(".md-search-result__list h1")
    results.first.wait_for()
    # A figure, not a limit (benchmarks/search.py measures this on 10,000 papers).
    print(f"first Pagefind results {time.perf_counter() - start:.2f} s after the first keystroke")
    assert results.first.inner_text() == "Sparse Autoencoders Find Monosemantic Features in Language Models"
    assert page.locator(".md-search-result__meta").inner_text().endswith(("matching document", "documents"))
    page.locator(".md-search-result__link").first.click()
    page.wait_for_url(f"**/{SAE}")
    assert errors == []


def test_pagefind_finds_pages_of_every_part_of_the_index(page: Any, pagefind_site: str) -> None:
    """Each part's pages are found (a paper of every merged part), and so are pages other than papers."""
    import gzip
    import re
    import urllib.request

    def read(url: str) -> bytes:
        with urllib.request.urlopen(url) as answer:
            return bytes(answer.read())

    parts = json.loads(read(f"{pagefind_site}pagefind/sitegen-parts.json"))["merge"]
    page.goto(pagefind_site)
    box = page.locator("input.md-search__input")
    titles = page.locator(".md-search-result__list h1")
    for part in parts:
        folder = f"{pagefind_site}pagefind/{part}fragment-packs/"  # the test server lists folders
        name = re.findall(r'href="([^"]+\.pf_pack)"', read(folder).decode())[0]
        fragment = next(iter(json.loads(gzip.decompress(read(folder + name))).values()))
        title = fragment["meta"]["title"]
        box.click()
        box.fill("")
        box.press_sequentially(" ".join(re.findall(r"[A-Za-z]{4,}", title)[:4]), delay=5)
        page.wait_for_function("t => [...document.querySelectorAll('.md-search-result__list h1')]"
                               ".some(h => h.textContent === t)", arg=title)
    box.fill("")
    box.press_sequentially("Object detection", delay=5)
    page.wait_for_function("[...document.querySelectorAll('.md-search-result__list h1')]"
                           ".some(h => h.textContent === 'Object detection')")  # its topic page
    assert titles.count() >= 1


def test_pagefind_results_show_hostile_titles_as_text(page: Any, pagefind_site: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(pagefind_site)
    page.keyboard.press("/")  # opens the search, as in Material's
    box = page.locator("input.md-search__input")
    assert box.evaluate("el => el === document.activeElement")
    box.press_sequentially("clouds satellite", delay=20)
    titles = page.locator(".md-search-result__list h1")
    titles.first.wait_for()
    assert titles.first.inner_text() == HOSTILE
    results = page.locator(".md-search-result__list")
    assert results.locator("img, svg, script").count() == 0
    assert "<script>" in results.inner_text() or "alert(3)" not in results.inner_html()
    page.keyboard.press("Escape")
    assert not page.locator("#__search").is_checked()
    page.wait_for_timeout(300)
    assert dialogs == []


def test_pagefind_search_open_is_accessible(page: Any, pagefind_site: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page.goto(pagefind_site)
    page.locator("input.md-search__input").click()
    page.locator("input.md-search__input").press_sequentially("detection", delay=10)
    page.locator(".md-search-result__item").first.wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "search-pagefind.png"))
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert serious == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in serious]


@pytest.fixture(scope="module")
def new_lists(generated_lists: dict[str, Path]) -> Iterator[dict[str, str]]:
    """The lists `sitegen new` made with the installed wheel (tests/test_wheel.py), served: their URLs."""
    served = {name: serve(folder / "site") for name, folder in generated_lists.items()}
    yield {name: url for name, (url, _) in served.items()}
    for _, server in served.values():
        server.shutdown()


SSD = "papers/ssd-single-shot-multibox-detector/"


@pytest.mark.wheel
def test_a_new_list_goes_home_topic_paper_and_searches(page: Any, new_lists: dict[str, str]) -> None:
    site = new_lists["seeds"]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site)
    page.locator("article").get_by_role("link", name="Object detection", exact=True).click()
    page.wait_for_url(f"{site}topics/object-detection/")
    page.locator("article a", has_text="SSD: Single Shot MultiBox Detector").first.click()
    page.wait_for_url(f"{site}{SSD}")
    assert page.locator("h1").first.inner_text().startswith("SSD: Single Shot MultiBox Detector")
    assert page.locator("#where-it-was-found").count() == 1  # the packaged paper layout
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "new-list-paper.png"), full_page=True)
    assert "SSD: Single Shot MultiBox Detector" in search_for(page, "multibox")
    assert errors == []


@pytest.mark.wheel
def test_no_request_of_a_page_fails_and_feeds_stay_discoverable(page: Any, new_lists: dict[str, str]) -> None:
    site = new_lists["seeds"]
    failed: list[str] = []
    page.on("response", lambda response: failed.extend(
        [f"{response.status} {response.url}"] if response.status >= 400 else []))
    feeds = 'link[rel=alternate][type="application/atom+xml"]'  # as feed readers look for them
    for path, count in (("", 1), ("topics/object-detection/", 2), (SSD, 1)):
        page.goto(f"{site}{path}")
        page.wait_for_load_state("networkidle")  # Material's scripts fetch sitemaps after the page
        assert page.locator(feeds).count() == count, path
    assert failed == []


@pytest.mark.wheel
def test_a_new_list_filters_and_keeps_reading_state(page: Any, new_lists: dict[str, str]) -> None:
    site = new_lists["seeds"]
    page.goto(f"{site}topics/object-detection/")
    status = page.locator(".sitegen-shown")
    total = status.inner_text().split()[0]
    assert status.inner_text() == f"{total} of {total} papers shown" and int(total) > 1
    page.get_by_label("Words").fill("multibox")
    assert status.inner_text() == f"1 of {total} papers shown"
    page.goto(f"{site}{SSD}")
    page.get_by_role("button", name="Mark as read").click()
    page.reload()
    assert page.locator(".sitegen-toggle[data-state='read']").get_attribute("aria-pressed") == "true"
    page.goto(site)
    assert "1 read, 0 starred" in page.locator(".sitegen-state-count").inner_text()


@pytest.mark.wheel
def test_an_empty_new_list_says_how_to_add_the_first_source(page: Any, new_lists: dict[str, str]) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(new_lists["empty"])
    tip = page.locator(".admonition.tip")
    assert "This list has no papers yet" in tip.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "new-list-empty-home.png"), full_page=True)
    page.goto(f"{new_lists['empty']}topics/object-detection/")
    assert page.locator("h1").first.inner_text().rstrip("¶") == "Object detection"
    assert errors == []


def test_paper_pages_as_files_are_reached_by_links_and_search(page: Any, file_urls_site: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{file_urls_site}topics/object-detection/")
    page.locator("article a", has_text="SpinDet: Rotated Object Detection").first.click()
    page.wait_for_url(f"{file_urls_site}papers/spindet-rotated-object-detection-in-aerial-images.html")
    assert "SpinDet" in page.locator("h1").inner_text()
    page.locator(".sitegen-related a", has_text="Oriented Object Detection").click()
    page.wait_for_url(f"{file_urls_site}papers/oriented-object-detection-in-aerial-images-with-rotated-boxes.html")
    page.locator(".sitegen-chips a").first.click()  # up to a topic page, then back through the search
    page.wait_for_url(f"{file_urls_site}topics/**")
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially("monosemantic features", delay=20)
    page.locator(".md-search-result__link").first.click()
    page.wait_for_url(f"{file_urls_site}{SAE.removesuffix('/')}.html")
    assert page.locator("h1").inner_text().startswith("Sparse Autoencoders Find Monosemantic Features")
    assert errors == []


@pytest.fixture
def serving(project: Path, tmp_path: Path) -> Iterator[tuple[Any, str]]:
    """The small project searched with Pagefind as `sitegen serve` keeps it: its rebuilder and URL.

    The whole site is indexed again only when the test says (the site is never quiet long enough):
    what a change brings is found through the pages indexed on their own."""
    from sitegen.serving.dumppreview import DumpPreview
    from sitegen.serving.preview import Preview
    from sitegen.serving.serve import Project, Rebuilder, Site

    set_search(project, "      search: pagefind\n")
    config = load_config(project)
    build(config)
    site = Site(project / "mkdocs.yml", tmp_path / "site", "http://127.0.0.1:8000/", quiet=3600)
    site.build(index_now=True)
    watched = Project(config.content, (*config.sources, config.topics, project / "pyproject.toml"),
                      (project / "mkdocs.yml",), config.topics, tuple(config.sources))
    pages = Preview(config)
    rebuild = Rebuilder(watched, site, lambda: build(load_config(project)) and None,
                        preview=pages.write, dump=DumpPreview(config, pages))
    url, server = serve(tmp_path / "site")
    yield rebuild, url
    server.shutdown()


def searched(page: Any, query: str) -> list[str]:
    """The titles the search box lists for a query (typed anew, in the page as it is)."""
    box = page.locator("input.md-search__input")
    meta = page.locator(".md-search-result__meta")
    box.fill("")
    placeholder = meta.inner_text()
    box.fill(query)
    page.wait_for_function("([p]) => document.querySelector('.md-search-result__meta').textContent !== p",
                           arg=[placeholder])
    return [str(t) for t in page.locator(".md-search-result__list h1").all_inner_texts()]


def settled(rebuild: Any) -> None:
    """Wait for the pages rendered after a pass, then for the search's index of the changed pages."""
    rebuild.site.settle()
    end = time.monotonic() + 60
    while rebuild.site.searched.busy and time.monotonic() < end:
        time.sleep(0.05)


def test_under_serve_a_new_dump_and_a_saved_page_are_found_before_the_site_is_indexed_again(
        page: Any, serving: tuple[Any, str], project: Path) -> None:
    rebuild, url = serving
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    sae = "Sparse Autoencoders Find Monosemantic Features in Language Models"
    assert searched(page, "monosemantic features").count(sae) == 1  # the search loaded before any change
    assert searched(page, "penguins") == []
    (project / "sources/more.json").write_text(json.dumps([
        {"title": "Counting Penguins from Orbit",
         "abstract": "Penguin colonies counted in satellite images with a segmentation model."}]),
        encoding="utf-8")
    rebuild()
    settled(rebuild)
    # The same page, not reloaded: the search reads the newer index of changed pages.
    assert searched(page, "penguins").count("Counting Penguins from Orbit") == 1
    building = rebuild.background
    assert building is not None
    building.join(timeout=120)  # sitegen's build of the dump: its pages take the preview's place
    rebuild()
    settled(rebuild)
    spindet = "SpinDet: Rotated Object Detection in Aerial Images"
    assert searched(page, "spindet").count(spindet) == 1
    path = project / "content" / f"{SAE.rstrip('/')}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("## Notes\n", "## Notes\n\nQuokkas agree.\n"),
                    encoding="utf-8")
    hidden = project / "content/papers/spindet-rotated-object-detection-in-aerial-images.md"
    hidden.write_text(hidden.read_text(encoding="utf-8").replace("title:", "hidden: true\ntitle:", 1),
                      encoding="utf-8")
    rebuild()
    settled(rebuild)
    page.reload()
    # The page's new text is found, and the page is listed once: the main index's entry is left out,
    # as is that of a page taken off the site.
    assert searched(page, "quokkas") == [sae]
    assert searched(page, "monosemantic features").count(sae) == 1
    assert searched(page, "penguins").count("Counting Penguins from Orbit") == 1
    assert spindet not in searched(page, "spindet")
    rebuild.site.indexed.job()  # the whole site indexed again: it takes over, and the page loads it anew
    assert rebuild.site.search.written is not None and rebuild.site.search.written.pages == {}
    assert searched(page, "quokkas") == [sae]
    assert searched(page, "monosemantic features").count(sae) == 1
    assert searched(page, "penguins").count("Counting Penguins from Orbit") == 1
    assert spindet not in searched(page, "spindet")
    assert errors == []
