{#- sitegen-template: assets/javascripts/sitegen-palette.js v1 (raise the version whenever this file changes) -#}
{#-
  The palette toggle of the header, and the reader's colour scheme applied before the page is
  shown, as Material's header and its inline script do it: built by this one cached script,
  included where the toggle goes, instead of sent in every page. MkDocs renders this file as a
  template (the sitegen plugin adds it to the theme's static templates), with the palette of
  mkdocs.yml; the toggle's icons come from sitegen-icons.css.
-#}
{%- set palette = config.theme.palette if config.theme.palette and config.theme.palette is not mapping else [] -%}
{%- set options = [] -%}
{%- for option in palette -%}
  {%- set _ = options.append({
    "media": option.media | string,
    "scheme": option.scheme | d("default", true) | replace(" ", "-"),
    "primary": option.primary | d("indigo", true) | replace(" ", "-"),
    "accent": option.accent | d("indigo", true) | replace(" ", "-"),
    "toggle": (option.toggle.name | string) if option.toggle else none}) -%}
{%- endfor -%}
/* sitegen: the palette toggle (from mkdocs.yml) and the reader's colour scheme */
(function () {
  var options = {{ options | tojson }};
  var script = document.currentScript;
  if (options.length) {
    var form = document.createElement("form");
    form.className = "md-header__option";
    form.setAttribute("data-md-component", "palette");
    options.forEach(function (option, index) {
      var input = document.createElement("input");
      input.className = "md-option";
      ["media", "scheme", "primary", "accent"].forEach(function (key) {
        input.setAttribute("data-md-color-" + key, option[key]);
      });
      if (option.toggle !== null) input.setAttribute("aria-label", option.toggle);
      else input.setAttribute("aria-hidden", "true");
      input.type = "radio";
      input.name = "__palette";
      input.id = "__palette_" + index;
      form.appendChild(input);
      if (option.toggle !== null) {
        var label = document.createElement("label");
        label.className = "md-header__button md-icon";
        label.title = option.toggle;
        label.htmlFor = "__palette_" + ((index + 1) % options.length);
        label.hidden = true;
        var icon = document.createElementNS("http://www.w3.org/2000/svg", "svg");
        icon.setAttribute("class", "sitegen-icon-palette-" + index);
        label.appendChild(icon);
        form.appendChild(label);
      }
    });
    script.parentNode.insertBefore(form, script);
  }
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
