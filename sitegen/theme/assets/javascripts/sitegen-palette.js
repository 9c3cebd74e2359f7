// sitegen-template: assets/javascripts/sitegen-palette.js v1 (raise the version whenever this file changes)
/*
 * sitegen: the reader's colour scheme applied before the page is shown, as Material's inline
 * script in its header does; from this cached file instead. Included right after the palette
 * toggle, whose inputs it reads.
 */
(function () {
  var palette = __md_get("__palette");
  if (!palette || !palette.color) return;
  if (palette.color.media === "(prefers-color-scheme)") {
    var light = matchMedia("(prefers-color-scheme: light)").matches;
    var input = document.querySelector(light ? "[data-md-color-media='(prefers-color-scheme: light)']"
                                             : "[data-md-color-media='(prefers-color-scheme: dark)']");
    palette.color.media = input.getAttribute("data-md-color-media");
    palette.color.scheme = input.getAttribute("data-md-color-scheme");
    palette.color.primary = input.getAttribute("data-md-color-primary");
    palette.color.accent = input.getAttribute("data-md-color-accent");
  }
  Object.keys(palette.color).forEach(function (key) {
    document.body.setAttribute("data-md-color-" + key, palette.color[key]);
  });
})();
