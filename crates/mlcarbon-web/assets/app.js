// mlcarbon pages: small enhancements on top of server-rendered HTML. Everything works without it.
"use strict";

(function () {
  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  function fill(list, values) {
    if (!list) { return; }
    list.textContent = "";
    values.forEach(function (v) {
      var option = document.createElement("option");
      option.value = v.value;
      if (v.label) { option.label = v.label; }
      list.appendChild(option);
    });
  }

  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(url + ": " + r.status); }
      return r.json();
    });
  }

  // Calculator: datalists from the API, one kind of location at a time.
  function calculator() {
    var form = $("#calc");
    if (!form) { return; }
    var hardwareList = $("#hardware-list");
    // After an ambiguous name the server lists its matches: keep them as the suggestions.
    getJson("/api/hardware").then(function (rows) {
      if (hardwareList.hasAttribute("data-matches")) { return; }
      fill(hardwareList, rows.map(function (h) {
        return { value: h.name, label: h.vendor + " · " + (h.power_w == null ? "power not published" : h.power_w + " W") };
      }));
    }).catch(function () {});
    getJson("/api/zones").then(function (rows) {
      fill($("#zone-list"), rows.map(function (z) {
        return { value: z.id, label: z.name + " · " + z.intensity_g_per_kwh + " g/kWh" };
      }));
    }).catch(function () {});
    var provider = $("#provider");
    function regions() {
      var p = provider.value;
      var url = "/api/regions" + (p ? "?provider=" + encodeURIComponent(p) : "");
      getJson(url).then(function (rows) {
        fill($("#region-list"), rows.map(function (r) {
          return { value: r.region, label: r.provider + " · " + (r.location || r.name) };
        }));
      }).catch(function () {});
    }
    provider.addEventListener("change", regions);
    regions();

    function place() {
      var chosen = $("input[name=where]:checked", form);
      var where = chosen ? chosen.value : "cloud";
      $all(".place", form).forEach(function (div) {
        var on = div.getAttribute("data-where") === where;
        div.hidden = !on;
        $all("input, select", div).forEach(function (input) { input.disabled = !on; });
      });
    }
    $all("input[name=where]", form).forEach(function (r) { r.addEventListener("change", place); });
    place();

    // Empty fields stay out of the URL, so the shareable link holds only what was given.
    form.addEventListener("submit", function () {
      $all("input, select", form).forEach(function (input) {
        if (!input.disabled && input.name && input.type !== "radio" && input.type !== "checkbox" && input.value === "") {
          input.disabled = true;
        }
      });
    });
  }

  // Statement tabs and copy buttons.
  function tabs() {
    $all(".tabs button").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = button.getAttribute("data-tab");
        $all(".tabs button").forEach(function (b) {
          b.setAttribute("aria-selected", String(b === button));
        });
        $all("textarea.statement").forEach(function (t) { t.hidden = t.id !== target; });
      });
    });
  }

  function copyText(text, note) {
    function done() { if (note) { note.textContent = "copied"; } }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { done(); });
    } else {
      done();
    }
  }

  function copies() {
    var share = $("#share-url");
    if (share) {
      share.value = location.origin + share.getAttribute("data-path");
    }
    $all("button.copy").forEach(function (button) {
      button.addEventListener("click", function () {
        var note = button.parentNode.querySelector(".copied");
        var id = button.getAttribute("data-copy");
        var field = id ? document.getElementById(id) : $("textarea.statement:not([hidden])");
        if (!field) { return; }
        field.select();
        copyText(field.value, note);
      });
    });
  }

  // Data browser: filter the tables as you type.
  function search() {
    var q = $("#q");
    var tables = $all("table.searchable");
    if (!q || !tables.length) { return; }
    q.addEventListener("input", function () {
      var words = q.value.toLowerCase().split(/\s+/).filter(Boolean);
      tables.forEach(function (table) {
        var shown = 0;
        $all("tbody tr", table).forEach(function (row) {
          var text = row.textContent.toLowerCase();
          row.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
          if (!row.hidden) { shown += 1; }
        });
        var heading = table.previousElementSibling;
        while (heading && heading.tagName !== "H2") { heading = heading.previousElementSibling; }
        var count = heading ? heading.querySelector(".count") : null;
        if (count) { count.textContent = String(shown); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    calculator();
    tabs();
    copies();
    search();
  });
})();
