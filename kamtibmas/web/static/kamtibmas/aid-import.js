/* The household import's progress bar: asks the status address every second while
   the worker reads the file, and shows the page again when it has finished.
   Without JavaScript the page's "Refresh" link does the same. */
(function () {
  "use strict";
  var section = document.getElementById("import-progress");
  if (!section) return;
  var running = ["uploaded", "previewing", "importing"];
  var url = section.getAttribute("data-status-url");
  var shown = section.getAttribute("data-status");
  if (running.indexOf(shown) < 0) return;
  var bar = document.getElementById("import-bar");
  var label = document.getElementById("import-label");
  var count = document.getElementById("import-count");
  var total = document.getElementById("import-total");
  var reload = document.getElementById("reload-link");
  if (reload) reload.hidden = true;

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (state) {
        if (state.status !== shown) {
          window.location.reload();
          return;
        }
        if (label) label.textContent = state.label;
        if (bar && state.rows_total) {
          bar.max = state.rows_total;
          bar.value = Math.min(state.rows_done, state.rows_total);
          bar.textContent = String(state.rows_done);
        }
        if (count) count.textContent = String(state.rows_done);
        if (total && state.rows_total) total.textContent = String(state.rows_total);
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        if (reload) reload.hidden = false;
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1000);
})();
