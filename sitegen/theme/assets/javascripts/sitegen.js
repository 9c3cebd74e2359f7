// sitegen-template: assets/javascripts/sitegen.js v3 (raise the version whenever this file changes)
/*
 * sitegen: reading state (read / starred, kept in this browser's local storage)
 * and sorting and filtering of topic pages. Progressive enhancement: without
 * JavaScript every list still shows every paper.
 */
(function () {
  "use strict";

  var KEY = "sitegen-reading-state";

  function loadState() {
    try {
      var data = JSON.parse(window.localStorage.getItem(KEY) || "{}");
      return data && typeof data === "object" && !Array.isArray(data) ? data : {};
    } catch (e) {
      return {};
    }
  }

  function saveState(state) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(state));
    } catch (e) {
      /* storage full or disabled: the state lives for this page only */
    }
  }

  function slugOf(href) {
    var match = /papers\/([^\/#?]+?)(?:\.md|\.html)?\/?(?:[#?].*)?$/.exec(href || "");
    return match ? decodeURIComponent(match[1]) : null;
  }

  function make(tag, attrs, text) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { el.setAttribute(name, attrs[name]); });
    if (text) el.textContent = text;
    return el;
  }

  /* Paper page (the one with a provenance note): its title in the header, where Material shows
     it once the heading scrolls away, and the "Mark as read" and "Star" buttons after its links,
     for the paper its URL names; both are made here, not sent in every page. */
  function initPaper(state) {
    var body = document.querySelector(".sitegen-provenance") && document.querySelector("[data-pagefind-body]");
    var slug = slugOf(location.pathname.replace(/index\.html$/, ""));
    if (!body || !slug) return;
    var heading = body.querySelector("h1");
    var topic = document.querySelector("[data-md-component=header-topic] .md-ellipsis");
    if (heading && topic && !topic.textContent.trim()) topic.textContent = heading.textContent;
    var box = body.querySelector(".sitegen-state");
    if (!box) {
      var after = body.querySelectorAll(":scope > h1, :scope > .sitegen-byline, :scope > .sitegen-links, :scope > .sitegen-find");
      box = make("p", { "class": "sitegen-state" });
      if (after.length) after[after.length - 1].after(box); else body.prepend(box);
    }
    if (!box.querySelector(".sitegen-toggle")) {  /* the buttons are made here, not sent in every page */
      box.append(make("button", { type: "button", "class": "md-button sitegen-toggle", "data-state": "read" }),
                 " ", make("button", { type: "button", "class": "md-button sitegen-toggle", "data-state": "star" }));
    }
    box.hidden = false;
    box.querySelectorAll(".sitegen-toggle").forEach(function (button) {
      var which = button.getAttribute("data-state");
      var labels = which === "read" ? ["Mark as read", "Read ✓"] : ["Star", "Starred ★"];
      function show() {
        var on = !!(state[slug] && state[slug][which]);
        button.setAttribute("aria-pressed", on ? "true" : "false");
        button.textContent = labels[on ? 1 : 0];
        button.classList.toggle("md-button--primary", on);
      }
      button.addEventListener("click", function () {
        var current = loadState();
        var entry = current[slug] || {};
        entry[which] = !entry[which];
        if (!entry.read && !entry.star) delete current[slug]; else current[slug] = entry;
        saveState(current);
        state = current;
        show();
      });
      show();
    });
  }

  /* Lists: a mark after each paper the reader has read or starred. */
  function markLists(state) {
    document.querySelectorAll(".md-content li > strong > a[href*='papers/'], .md-content li > a[href*='papers/']")
      .forEach(function (link) {
        var item = link.closest("li");
        var slug = slugOf(link.getAttribute("href"));
        if (!item || !slug) return;
        item.setAttribute("data-slug", slug);
        var old = item.querySelector(".sitegen-mark");
        if (old) old.remove();
        var entry = state[slug] || {};
        item.classList.toggle("sitegen-read", !!entry.read);
        item.classList.toggle("sitegen-starred", !!entry.star);
        if (entry.read || entry.star) {
          var mark = make("span", { "class": "sitegen-mark" },
            (entry.star ? "★ starred" : "") + (entry.read && entry.star ? " · " : "") + (entry.read ? "✓ read" : ""));
          (link.parentNode.tagName === "STRONG" ? link.parentNode : link).after(mark);
        }
      });
  }

  /* Home page: export and import of the reading state as JSON. */
  function initTools(state) {
    var box = document.querySelector(".sitegen-state-tools");
    if (!box || box.getAttribute("data-ready")) return;
    box.setAttribute("data-ready", "1");
    box.hidden = false;
    var counts = make("p", { "class": "sitegen-state-count" });
    function count() {
      var s = loadState(), read = 0, star = 0;
      Object.keys(s).forEach(function (k) { if (s[k].read) read++; if (s[k].star) star++; });
      counts.textContent = "Your reading state, kept in this browser: " + read + " read, " + star + " starred.";
    }
    var exportButton = make("button", { type: "button", "class": "md-button" }, "Export reading state");
    exportButton.addEventListener("click", function () {
      var blob = new Blob([JSON.stringify(loadState(), null, 1)], { type: "application/json" });
      var link = make("a", { href: URL.createObjectURL(blob), download: "reading-state.json" });
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
    var label = make("label", { "class": "md-button", "for": "sitegen-import" }, "Import reading state");
    var input = make("input", { type: "file", id: "sitegen-import", accept: "application/json,.json",
                                "class": "sitegen-visually-hidden" });
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) return;
      file.text().then(function (text) {
        var incoming = JSON.parse(text);
        if (!incoming || typeof incoming !== "object" || Array.isArray(incoming)) throw new Error("not an object");
        var merged = loadState();
        Object.keys(incoming).forEach(function (slug) {
          var e = incoming[slug] || {};
          if (e.read || e.star) merged[slug] = { read: !!e.read, star: !!e.star };
        });
        saveState(merged);
        count();
        markLists(merged);
      }).catch(function () {
        counts.textContent = "That file is not a reading-state export.";
      });
    });
    box.append(counts, exportButton, " ", label, input);
    count();
  }

  /* Topic pages: sort and filter the list of papers. */
  function initFilters() {
    var box = document.querySelector(".sitegen-filters");
    if (!box || box.getAttribute("data-ready")) return;
    var list = document.querySelector(".sitegen-papers > ul");
    if (!list) return;
    box.setAttribute("data-ready", "1");
    var items = Array.prototype.slice.call(list.children);
    items.forEach(function (item, index) {
      var link = item.querySelector("a[data-added]");
      item.sitegen = {
        index: index,
        title: link ? link.textContent.toLowerCase() : "",
        added: link ? link.getAttribute("data-added") : "",
        year: link ? parseInt(link.getAttribute("data-year"), 10) || 0 : 0,
        code: link ? link.getAttribute("data-code") === "1" : false,
        topics: Array.prototype.map.call(item.querySelectorAll("small a"), function (a) { return a.textContent; }),
        text: item.textContent.toLowerCase()
      };
    });
    var here = (document.querySelector(".md-content h1") || {}).textContent || "";
    var topics = {};
    items.forEach(function (item) {
      item.sitegen.topics.forEach(function (t) { if (t !== here.trim()) topics[t] = (topics[t] || 0) + 1; });
    });

    var search = make("input", { type: "search", id: "sitegen-filter-text", placeholder: "Filter by words",
                                 "class": "md-input" });
    var sort = make("select", { id: "sitegen-sort" });
    [["title", "Title"], ["added", "Recently added"], ["year", "Year, newest first"]].forEach(function (o) {
      sort.appendChild(make("option", { value: o[0] }, o[1]));
    });
    var topic = make("select", { id: "sitegen-topic" });
    topic.appendChild(make("option", { value: "" }, "Any other topic"));
    Object.keys(topics).sort().forEach(function (t) {
      topic.appendChild(make("option", { value: t }, t + " (" + topics[t] + ")"));
    });
    var code = make("input", { type: "checkbox", id: "sitegen-code" });
    var unread = make("input", { type: "checkbox", id: "sitegen-unread" });
    var shown = make("p", { "class": "sitegen-shown", role: "status", "aria-live": "polite" });

    function field(labelText, control) {
      var wrap = make("span", { "class": "sitegen-field" });
      wrap.append(make("label", { "for": control.id }, labelText), control);
      return wrap;
    }
    function check(labelText, control) {
      var wrap = make("span", { "class": "sitegen-field" });
      wrap.append(control, make("label", { "for": control.id }, labelText));
      return wrap;
    }

    function apply() {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var state = loadState();
      var visible = 0;
      var order = items.slice().sort(function (a, b) {
        var x = a.sitegen, y = b.sitegen;
        if (sort.value === "added" && x.added !== y.added) return x.added < y.added ? 1 : -1;
        if (sort.value === "year" && x.year !== y.year) return y.year - x.year;
        return x.index - y.index;
      });
      order.forEach(function (item) {
        var d = item.sitegen;
        var ok = words.every(function (w) { return d.text.indexOf(w) >= 0; }) &&
          (!code.checked || d.code) &&
          (!topic.value || d.topics.indexOf(topic.value) >= 0) &&
          (!unread.checked || !(state[item.getAttribute("data-slug")] || {}).read);
        item.hidden = !ok;
        if (ok) visible++;
        list.appendChild(item);
      });
      shown.textContent = visible + " of " + items.length + " papers shown";
    }

    [search, sort, topic, code, unread].forEach(function (control) {
      control.addEventListener(control === search ? "input" : "change", apply);
    });
    box.append(field("Sort", sort), field("Topic", topic), check("With code", code),
               check("Unread only", unread), field("Words", search), shown);
    box.hidden = false;
    apply();
  }

  /* Material's search dialog has no accessible name; screen readers announce this one. */
  function labelDialogs() {
    document.querySelectorAll(".md-search[role='dialog']:not([aria-label])").forEach(function (el) {
      el.setAttribute("aria-label", "Search the reading list");
    });
  }

  function init() {
    labelDialogs();
    var state = loadState();
    initPaper(state);
    markLists(state);
    initTools(state);
    initFilters();
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init); /* Material's instant navigation */
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
