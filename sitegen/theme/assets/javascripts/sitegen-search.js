{#- sitegen-template: assets/javascripts/sitegen-search.js v6 (raise the version whenever this file changes) -#}
{#- MkDocs renders this file as a template (the sitegen plugin adds it to the theme's static
    templates): sitegen.js comes first in it, so that a page searching with Pagefind loads one
    script for both. -#}
{% include "assets/javascripts/sitegen.js" %}
/*
 * sitegen: the header's search box answered from the Pagefind index, for lists
 * too large for Material's in-browser index (the sitegen MkDocs plugin turns
 * Material's search off and includes this script). The box is Material's own
 * markup and styles; results are rendered as Material renders them. Titles and
 * excerpts are inserted as text: only Pagefind's <mark> highlights become elements.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  /* Pagefind's files are in pagefind/ at the site's root, two folders above this script's
     (or where the script tag's data-pagefind says). */
  var bundle = script.hasAttribute("data-pagefind")
    ? new URL(script.getAttribute("data-pagefind"), document.baseURI)
    : new URL("../../pagefind/pagefind.js", script.src);
  var root = new URL("..", bundle);  /* the site's root: pagefind/ sits right under it */
  var words = {
    none: script.getAttribute("data-none") || "No matching documents",
    one: script.getAttribute("data-one") || "1 matching document",
    other: script.getAttribute("data-other") || "# matching documents"
  };
  var text = {
    search: script.getAttribute("data-search") || "Search",
    placeholder: script.getAttribute("data-placeholder") || "Search",
    reset: script.getAttribute("data-reset") || "Clear",
    initial: script.getAttribute("data-initial") || "Type to start searching"
  };
  /* Material's icons (magnify, arrow-left, close), as its templates inline them. */
  var ICONS = {
    magnify: "M9.5 3A6.5 6.5 0 0 1 16 9.5c0 1.61-.59 3.09-1.56 4.23l.27.27h.79l5 5-1.5 1.5-5-5v-.79l-.27-.27A6.52 " +
      "6.52 0 0 1 9.5 16 6.5 6.5 0 0 1 3 9.5 6.5 6.5 0 0 1 9.5 3m0 2C7 5 5 7 5 9.5S7 14 9.5 14 14 12 14 9.5 12 5 9.5 5",
    back: "M20 11v2H8l5.5 5.5-1.42 1.42L4.16 12l7.92-7.92L13.5 5.5 8 11z",
    close: "M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z"
  };
  var SHOWN = 20;  /* results listed */
  var FIRST = 5;  /* shown before the other 15 are fetched */
  var PAUSE = 60;  /* ms without a keystroke before searching */
  var engine = null;

  /* The manifest beside the first part of the index: the other parts of a large list's index
     (sitegen writes it in parts of bounded size), which Pagefind merges into one search, results
     ranked together, and their packs of fragments. Under `sitegen serve` it also names the live
     index: the pages changed since the main index was written, indexed on their own, and the
     main index's fragments (its result ids) of pages changed or gone, which are left out. */
  function manifest() {
    /* Not from the browser's cache, nor revalidated by date: it changes several times a second. */
    return fetch(new URL("sitegen-parts.json", bundle), { cache: "no-store" }).then(function (response) {
      return response.ok ? response.json() : { merge: [] };
    }).then(function (found) {
      return found && typeof found === "object" ? found : { merge: [] };
    }, function () { return { merge: [] }; });
  }

  /* Pagefind fetches each result's text (its fragment) as a file of its own; sitegen gathers a
     part's fragments into packs (on disk every small file takes a whole block). Pagefind's requests
     for a fragment are answered here from its pack, fetched once: which pack holds it follows from
     its name and the part's number of packs (FNV-1a, as sitegen's pagefind_index has it). */
  function packOf(name, count) {
    var value = 0x811c9dc5;
    for (var i = 0; i < name.length; i++) {
      value = Math.imul(value ^ name.charCodeAt(i), 0x01000193) >>> 0;
    }
    return value % count;
  }

  var folders = {};  /* a part's fragment folder (URL) -> its pack folder and number of packs */
  var loaded = {};  /* pack URL -> promise of its fragments */
  var fetchFirst = null;
  var version = "";  /* under `sitegen serve`: the main index's, on the packs' URLs (they keep their names) */

  function answerFromPacks(counts) {
    Object.keys(counts).forEach(function (part) {
      if (counts[part] > 0) {
        folders[new URL(part + "fragment/", bundle).href] = { packs: new URL(part + "fragment-packs/", bundle),
                                                              count: counts[part] };
      }
    });
    if (fetchFirst) return;
    fetchFirst = window.fetch;
    function load(href) {
      if (!loaded[href]) {
        loaded[href] = fetchFirst.call(window, href).then(function (response) {
          if (!response.ok) throw new Error(href + ": " + response.status);
          return new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).json();
        });
        loaded[href].catch(function () { delete loaded[href]; });  /* tried again at the next search */
      }
      return loaded[href];
    }
    window.fetch = function (input, init) {
      var url = new URL(typeof input === "string" || input instanceof URL ? input : input.url, document.baseURI);
      var name = /([^/]+)\.pf_fragment$/.exec(url.pathname);
      var part = name && folders[url.origin + url.pathname.slice(0, url.pathname.length - name[0].length)];
      if (!part) return fetchFirst.call(window, input, init);
      var fragment = decodeURIComponent(name[1]);
      var packed = new URL(packOf(fragment, part.count) + ".pf_pack" + version, part.packs);
      return load(packed.href).then(function (pack) {
        /* Decompressed, as Pagefind's fragments start once unzipped. */
        return Object.prototype.hasOwnProperty.call(pack, fragment) ?
          new Response("pagefind_dcd" + JSON.stringify(pack[fragment])) : new Response("", { status: 404 });
      });
    };
  }

  /* What the live index changes in the results: ids left out (the main index's entries of pages
     changed or gone, and those of earlier live indexes that the newest one no longer holds). */
  var live = { main: null, merged: {}, lives: [], dropped: {} };

  function mergeLive(api, entry) {
    var merging = Promise.resolve();
    if (entry.folder && !live.merged[entry.folder]) {
      var counts = {};
      counts[entry.folder] = entry.packs || 0;
      answerFromPacks(counts);
      live.merged[entry.folder] = true;
      merging = api.mergeIndex(new URL(entry.folder, bundle).pathname, { baseUrl: root.pathname });
    }
    return merging.then(function () {
      var current = {};
      (entry.pages || []).forEach(function (id) { current[id] = true; });
      var dropped = {};
      (entry.drop || []).forEach(function (id) { dropped[id] = true; });
      live.lives.forEach(function (ids) {
        ids.forEach(function (id) { if (!current[id]) dropped[id] = true; });
      });
      if (entry.folder) live.lives.push(entry.pages || []);
      live.dropped = dropped;
    });
  }

  /* Pagefind's script and index, fetched at the first focus of the box. */
  function start() {
    return manifest().then(function (found) {
      return import(bundle.href).then(function (api) {
        folders = {};
        loaded = {};
        live = { main: found.live ? found.live.main : null, merged: {}, lives: [], dropped: {} };
        version = found.live ? "?v=" + encodeURIComponent(found.live.main) : "";
        answerFromPacks(found.packs && typeof found.packs === "object" ? found.packs : {});
        var merged = Array.isArray(found.merge) ? found.merge : [];
        /* In the page, not in Pagefind's worker: its fragments are fetched where this script answers. */
        return api.destroy().then(function () {
          return api.options({ baseUrl: root.pathname, excerptLength: 30, noWorker: true });
        }).then(function () {
          return api.init();
        }).then(function () {
          return Promise.all(merged.map(function (folder) {
            return api.mergeIndex(new URL(folder, bundle).pathname, { baseUrl: root.pathname });
          }));
        }).then(function () {
          return found.live ? mergeLive(api, found.live) : null;
        }).then(function () { return api; });
      });
    });
  }

  /* Under `sitegen serve`, each search first reads the manifest again: a newer live index is
     merged, and a main index made again is loaded anew. */
  function refresh(api) {
    return manifest().then(function (found) {
      if (!found.live) return api;
      if (found.live.main !== live.main) return start();
      return mergeLive(api, found.live).then(function () { return api; });
    });
  }

  function pagefind() {
    if (!engine) {
      engine = start();
    } else if (live.main !== null) {
      engine = engine.then(refresh, start);
    }
    return engine;
  }

  /* The results to show: those the live index leaves in, each page once. */
  function shown(results) {
    var seen = {};
    return results.filter(function (result) {
      if (live.dropped[result.id] || seen[result.id]) return false;
      seen[result.id] = true;
      return true;
    });
  }

  function decode(text) {
    var area = document.createElement("textarea");
    area.innerHTML = text; /* a textarea's content is text: entities decode, no element is made */
    return area.value;
  }

  /* Pagefind's excerpt is escaped text with <mark> around the matches: rebuild it node by node. */
  function excerpt(html) {
    var p = document.createElement("p");
    var marked = false;
    String(html || "").split(/(<\/?mark>)/).forEach(function (part) {
      if (part === "<mark>") { marked = true; return; }
      if (part === "</mark>") { marked = false; return; }
      if (!part) return;
      var text = document.createTextNode(decode(part.replace(/<[^>]*>/g, "")));
      if (marked) {
        var mark = document.createElement("mark");
        mark.appendChild(text);
        p.appendChild(mark);
      } else {
        p.appendChild(text);
      }
    });
    return p;
  }

  function item(data) {
    var li = document.createElement("li");
    li.className = "md-search-result__item";
    var link = document.createElement("a");
    link.className = "md-search-result__link";
    link.tabIndex = -1;
    var target = new URL(data.url, root);
    link.href = target.protocol === "http:" || target.protocol === "https:" ? target.href : "#";
    var article = document.createElement("article");
    article.className = "md-search-result__article md-typeset";
    var title = document.createElement("h1");
    title.textContent = (data.meta && data.meta.title) || data.url;
    article.append(title, excerpt(data.excerpt));
    link.appendChild(article);
    li.appendChild(link);
    return li;
  }

  function count(n) {
    if (n === 0) return words.none;
    if (n === 1) return words.one;
    return words.other.replace("#", String(n));
  }

  function icon(name) {
    return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="' + ICONS[name] + '"/></svg>';
  }

  function attribute(value) {
    return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  }

  /* Material's search box markup, built here rather than repeated in every page. */
  function searchBox() {
    var template = document.createElement("template");
    template.innerHTML =
      '<label class="md-header__button md-icon" for="__search" title="' + attribute(text.search) + '">' +
        icon("magnify") + '</label>' +
      '<div class="md-search sitegen-pagefind" role="dialog" aria-label="Search the reading list">' +
        '<label class="md-search__overlay" for="__search"></label>' +
        '<div class="md-search__inner" role="search">' +
          '<form class="md-search__form" name="search">' +
            '<input type="text" class="md-search__input" name="query" aria-label="' +
              attribute(text.placeholder) + '" placeholder="' + attribute(text.placeholder) + '" ' +
              'autocapitalize="off" autocorrect="off" autocomplete="off" spellcheck="false" required>' +
            '<label class="md-search__icon md-icon" for="__search">' + icon("magnify") + icon("back") + '</label>' +
            '<nav class="md-search__options" aria-label="' + attribute(text.search) + '">' +
              '<button type="reset" class="md-search__icon md-icon" title="' + attribute(text.reset) + '" ' +
                'aria-label="' + attribute(text.reset) + '" tabindex="-1">' + icon("close") + '</button>' +
            '</nav>' +
          '</form>' +
          '<div class="md-search__output"><div class="md-search__scrollwrap" tabindex="0">' +
            '<div class="md-search-result"><div class="md-search-result__meta"></div>' +
            '<ol class="md-search-result__list" role="presentation"></ol></div>' +
          '</div></div>' +
        '</div>' +
      '</div>';
    template.content.querySelector(".md-search-result__meta").textContent = text.initial;
    return template.content;
  }

  function mount() {
    var header = document.querySelector(".md-header__inner");
    var toggle = document.getElementById("__search");
    if (!header || !toggle || header.querySelector(".sitegen-pagefind")) return;
    var source = header.querySelector(".md-header__source");
    header.insertBefore(searchBox(), source);
    var box = header.querySelector(".sitegen-pagefind");
    var input = box.querySelector(".md-search__input");
    var meta = box.querySelector(".md-search-result__meta");
    var list = box.querySelector(".md-search-result__list");
    var placeholder = meta.textContent;
    var latest = 0;
    var timer = 0;

    function open() {
      if (!toggle.checked) {
        toggle.checked = true;
        toggle.dispatchEvent(new Event("change"));
      }
    }

    function close() {
      toggle.checked = false;
      toggle.dispatchEvent(new Event("change"));
      input.blur();
    }

    /* One search per pause in typing; the first results are shown as soon as their data arrive. */
    function run() {
      var query = input.value.trim();
      var ticket = ++latest;
      window.clearTimeout(timer);
      if (!query) {
        list.replaceChildren();
        meta.textContent = placeholder;
        return;
      }
      timer = window.setTimeout(function () {
        pagefind().then(function (api) {
          return ticket === latest ? api.search(query) : null;
        }).then(function (search) {
          if (ticket !== latest || !search) return null;  /* a newer query is on its way */
          var found = shown(search.results);
          var results = found.slice(0, SHOWN);
          function show(from, to, replace) {
            return Promise.all(results.slice(from, to).map(function (r) { return r.data(); }))
              .then(function (data) {
                if (ticket !== latest) return;
                if (replace) {
                  meta.textContent = count(found.length);
                  list.replaceChildren.apply(list, data.map(item));
                } else {
                  list.append.apply(list, data.map(item));
                }
              });
          }
          return show(0, FIRST, true).then(function () {
            return results.length > FIRST && ticket === latest ? show(FIRST, results.length, false) : null;
          });
        }).catch(function () {
          meta.textContent = "Search is not available (the Pagefind index is missing).";
        });
      }, PAUSE);
    }

    input.addEventListener("focus", function () { open(); pagefind(); });
    input.addEventListener("input", run);
    toggle.addEventListener("change", function () {
      if (toggle.checked && document.activeElement !== input) input.focus();
    });
    box.querySelector("form").addEventListener("submit", function (event) { event.preventDefault(); });
    box.querySelector("form").addEventListener("reset", function () {
      window.setTimeout(function () { run(); input.focus(); }, 0);
    });
    list.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest("a")) close();
    });

    /* Keys as in Material's search: / s f open it, Escape closes, arrows and Enter pick a result. */
    document.addEventListener("keydown", function (event) {
      var typing = event.target instanceof HTMLElement &&
        (event.target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName));
      if (!toggle.checked) {
        if (!typing && !event.ctrlKey && !event.metaKey && !event.altKey &&
            (event.key === "/" || event.key === "s" || event.key === "f")) {
          event.preventDefault();
          event.stopImmediatePropagation();
          open();
          input.focus();
        }
        return;
      }
      var links = Array.prototype.slice.call(list.querySelectorAll(".md-search-result__link"));
      var at = links.indexOf(document.activeElement);
      if (event.key === "Escape") {
        close();
      } else if (event.key === "Enter" && document.activeElement === input && links.length) {
        links[0].click();
      } else if ((event.key === "ArrowDown" || event.key === "ArrowUp") && links.length) {
        var next = event.key === "ArrowDown" ? at + 1 : at - 1;
        if (next < 0) input.focus(); else links[Math.min(next, links.length - 1)].focus();
      } else {
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();  /* handled here: Material's own search is not on the page */
    }, true);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
