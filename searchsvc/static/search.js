// searchsvc: suggestions while typing (an ARIA combobox) and instant sort. The page works without it.
(function () {
  "use strict";
  var input = document.getElementById("q");
  var list = document.getElementById("q-list");
  if (!input || !list || !window.fetch) { return; }
  var endpoint = input.getAttribute("data-suggest");
  var timer = null;
  var active = -1;
  var lastQuery = "";
  var controller = null;

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", "q-list");
  input.setAttribute("aria-expanded", "false");

  function options() { return list.querySelectorAll("li"); }

  function close() {
    list.hidden = true;
    list.textContent = "";
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    var items = options();
    if (!items.length) { return; }
    active = (index + items.length) % items.length;
    for (var i = 0; i < items.length; i++) {
      items[i].setAttribute("aria-selected", i === active ? "true" : "false");
    }
    input.setAttribute("aria-activedescendant", items[active].id);
  }

  function choose(text) {
    input.value = text;
    close();
    if (input.form) { tidy(input.form); input.form.submit(); }
  }

  function render(suggestions) {
    list.textContent = "";
    active = -1;
    suggestions.forEach(function (text, i) {
      var item = document.createElement("li");
      item.id = "q-opt-" + i;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.textContent = text;  // a text node: suggestions are untrusted article text
      item.addEventListener("mousedown", function (event) {
        event.preventDefault();
        choose(text);
      });
      list.appendChild(item);
    });
    var open = suggestions.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function fetchSuggestions() {
    var query = input.value.trim();
    if (query.length < 2 || query === lastQuery) {
      if (query.length < 2) { close(); lastQuery = ""; }
      return;
    }
    lastQuery = query;
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    var url = endpoint + "?q=" + encodeURIComponent(query);
    fetch(url, { signal: controller ? controller.signal : undefined, headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
      .then(function (body) {
        if (input.value.trim() === query && document.activeElement === input) {
          render(Array.isArray(body.suggestions) ? body.suggestions : []);
        }
      })
      .catch(function () { /* offline or aborted: suggestions are optional */ });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(fetchSuggestions, 150);
  });

  input.addEventListener("keydown", function (event) {
    if (list.hidden) { return; }
    if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
    else if (event.key === "Escape") { event.preventDefault(); close(); }
    else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      choose(options()[active].textContent);
    }
  });

  input.addEventListener("blur", function () { window.setTimeout(close, 100); });

  var sort = document.getElementById("sort");
  if (sort && sort.form) {
    sort.addEventListener("change", function () { tidy(sort.form); sort.form.submit(); });
  }

  // Leave defaults out of the URL (sort=relevance, empty dates) so links stay short to share.
  function tidy(form) {
    Array.prototype.forEach.call(form.elements, function (field) {
      var isDefault = field.name === "sort" && field.value === "relevance";
      if (field.name && field.name !== "q" && (field.value === "" || isDefault)) {
        field.disabled = true;
      }
    });
  }
  if (input.form) {
    input.form.addEventListener("submit", function () { tidy(input.form); });
    // Back/forward cache restores the page as it was left: give the fields back.
    window.addEventListener("pageshow", function () {
      Array.prototype.forEach.call(input.form.elements, function (field) { field.disabled = false; });
    });
  }
})();
