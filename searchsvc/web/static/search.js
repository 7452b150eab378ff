/* Progressive enhancement for the search form; the page works fully without it.
 *
 * - suggestions as you type: an ARIA 1.2 combobox over GET /api/suggest
 *   (Down/Up move, Enter picks, Escape closes);
 * - results as you type: the results block is fetched from the page itself
 *   (same URL, same HTML) a moment after typing stops, and swapped in;
 * - filters and sort apply as soon as they change; submitted URLs carry only
 *   non-empty, non-default parameters;
 * - "/" puts the cursor in the search box.
 */
(function () {
  "use strict";

  var form = document.querySelector("form.search");
  var input = document.getElementById("q");
  if (!form || !input || !window.fetch || !window.DOMParser) return;

  var SUGGEST_DELAY = 120;  // ms after the last key before asking for suggestions
  var RESULTS_DELAY = 450;  // ms after the last key before refreshing the results
  var DEFAULTS = { sort: "relevance", page: "1" };

  // -- clean URLs -----------------------------------------------------------
  function params() {
    var out = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      value = String(value).trim();
      if (value && DEFAULTS[name] !== value) out.append(name, value);
    });
    return out;
  }
  function pageUrl() {
    var p = params().toString();
    return form.getAttribute("action") + (p ? "?" + p : "");
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    closeList();
    window.location.assign(pageUrl());
  });

  // -- filters apply on change ----------------------------------------------
  form.addEventListener("change", function (event) {
    if (event.target !== input) form.requestSubmit ? form.requestSubmit() : form.submit();
  });

  // -- wide screens: filters open (CSS does it too where ::details-content exists)
  var box = form.querySelector("details.filters-box");
  if (box && window.matchMedia && window.matchMedia("(min-width: 50rem)").matches) box.open = true;

  // -- "/" focuses the search box ---------------------------------------------
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var t = event.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    event.preventDefault();
    input.focus();
    input.select();
  });

  // -- combobox ----------------------------------------------------------------
  var list = document.createElement("ul");
  list.id = "q-suggestions";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Gợi ý tìm kiếm");
  list.hidden = true;
  input.parentNode.appendChild(list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  var active = -1;
  var items = [];
  var suggestTimer = 0, resultsTimer = 0;
  var suggestSeq = 0, resultsSeq = 0;
  var lastResultsQuery = input.value.trim();

  function closeList() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }
  function setActive(i) {
    if (!items.length) return;
    active = (i + items.length) % items.length;
    items.forEach(function (li, n) { li.setAttribute("aria-selected", n === active ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }
  function pick(li) {
    input.value = li.getAttribute("data-text");
    closeList();
    window.location.assign(pageUrl());
  }
  function show(suggestions) {
    list.textContent = "";
    items = suggestions.map(function (s, n) {
      var li = document.createElement("li");
      li.id = "q-suggestion-" + n;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.setAttribute("data-text", s.text);
      // `html` is escaped by the server, with <mark> around the typed part.
      var doc = new DOMParser().parseFromString("<body>" + s.html + "</body>", "text/html");
      doc.body.childNodes.forEach(function (node) {
        if (node.nodeType === 3) li.appendChild(document.createTextNode(node.textContent));
        else if (node.nodeName === "MARK") {
          var m = document.createElement("mark");
          m.textContent = node.textContent;
          li.appendChild(m);
        } else li.appendChild(document.createTextNode(node.textContent));
      });
      li.addEventListener("mousedown", function (e) { e.preventDefault(); });
      li.addEventListener("click", function () { pick(li); });
      list.appendChild(li);
      return li;
    });
    active = -1;
    input.removeAttribute("aria-activedescendant");
    if (items.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    } else closeList();
  }
  function fetchSuggestions() {
    var q = input.value;
    var seq = ++suggestSeq;
    if (!q.trim()) { closeList(); return; }
    fetch("/api/suggest?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) { if (seq === suggestSeq && document.activeElement === input) show(data.suggestions || []); })
      .catch(function () {});
  }

  // -- results as you type -------------------------------------------------------
  function refreshResults() {
    var q = input.value.trim();
    if (q.length < 2 || q === lastResultsQuery) return;
    lastResultsQuery = q;
    var url = pageUrl();
    var seq = ++resultsSeq;
    fetch(url, { headers: { Accept: "text/html" } })
      .then(function (r) { return r.text(); })
      .then(function (text) {
        if (seq !== resultsSeq) return;
        var doc = new DOMParser().parseFromString(text, "text/html");
        var fresh = doc.getElementById("results");
        var current = document.getElementById("results");
        if (!fresh || !current) return;
        // Mid-word ("bien d") there is often nothing yet: keep what is shown while
        // suggestions are on offer, rather than flash "no results".
        if (fresh.querySelector("#no-results") && !list.hidden) { lastResultsQuery = ""; return; }
        // Children only: the live region itself stays, so screen readers hear the change.
        current.replaceChildren.apply(current, Array.prototype.map.call(
          fresh.childNodes, function (node) { return document.importNode(node, true); }));
        var chips = document.querySelector(".chips"), freshChips = doc.querySelector(".chips");
        if (chips && !freshChips) chips.remove();
        else if (chips && freshChips) chips.replaceWith(document.importNode(freshChips, true));
        document.title = doc.title;
        history.replaceState(null, "", url);
      })
      .catch(function () {});
  }

  input.addEventListener("input", function () {
    clearTimeout(suggestTimer);
    clearTimeout(resultsTimer);
    suggestTimer = setTimeout(fetchSuggestions, SUGGEST_DELAY);
    resultsTimer = setTimeout(refreshResults, RESULTS_DELAY);
  });
  input.addEventListener("keydown", function (event) {
    var open = !list.hidden;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (!open) { fetchSuggestions(); return; }
      setActive(active + 1);
    } else if (event.key === "ArrowUp") {
      if (!open) return;
      event.preventDefault();
      setActive(active - 1);
    } else if (event.key === "Enter") {
      if (open && active >= 0) { event.preventDefault(); pick(items[active]); }
    } else if (event.key === "Escape") {
      if (open) { event.preventDefault(); closeList(); }
    }
  });
  input.addEventListener("blur", function () { setTimeout(closeList, 100); });
})();
