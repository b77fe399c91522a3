// The field app of a dialogue (issue 12 point 1; kamtibmas/web/field.py).
//
// The page is a shell: the reference lists (RW/RT, categories, checklist) come from
// IndexedDB "kamtibmas-field", downloaded with a version and downloaded again when
// the page names another one; the entries (aspirations, attendance, inspection, loss
// reports) go into the shared on-device queue (offline-queue.js) and are sent in
// order. The households of the kelurahan (names, addresses, salted digests of KK
// numbers) are downloaded only when the officer asks, kept under their version and
// checked for a newer one whenever the page opens online.
(function () {
  "use strict";
  var app = document.getElementById("field-app");
  var home = document.getElementById("field-home");
  if (!window.kamtibmasOfflineQueue) { return; }
  if (home) { window.kamtibmasOfflineQueue.keepForOffline(home.dataset.cache, home.dataset.workerUrl); }
  if (!app || !window.indexedDB) { return; }
  var T = JSON.parse(document.getElementById("field-texts").textContent);
  var dialogue = app.dataset.dialogue;
  var reference = null;
  var replacing = null;   // the key of a refused entry being corrected
  var clock = new Intl.DateTimeFormat("id-ID", { timeZone: app.dataset.zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

  function $(id) { return document.getElementById(id); }
  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, name) { return String(values[name]); });
  }
  function show(node, text) { node.textContent = text || ""; node.hidden = !text; }
  function localTime(iso) { return clock.format(new Date(iso)).replace(":", ".") + " " + app.dataset.zoneLabel; }
  function option(select, value, label) { select.add(new Option(label, value)); }
  function clean(value) { return value.replace(/\s+/g, " ").trim(); }
  function count(id) {
    var value = $(id).value.trim();
    return value === "" ? null : Number(value);
  }

  var queue = window.kamtibmasOfflineQueue({
    database: "kamtibmas-field",
    dataStore: "reference",
    place: "dialogue:" + dialogue,
    tokenUrl: app.dataset.syncUrl,
    onShown: queueShown,
    onSignIn: function () { $("queue-summary").textContent = T.signIn; }
  });

  function connection() {
    var node = $("connection");
    node.textContent = navigator.onLine ? T.online : T.offline;
    node.dataset.online = navigator.onLine ? "yes" : "no";
  }

  // ---- reference lists ---------------------------------------------------------------
  function referenceShown() {
    var state = $("reference-state");
    if (!reference) { state.textContent = T.referenceNeeded; state.dataset.version = ""; return; }
    state.textContent = fmt(T.referenceState, { when: reference.generated });
    state.dataset.version = reference.version;
    var rw = $("asp-rw");
    while (rw.options.length) { rw.remove(0); }
    option(rw, "", T.wholePlace);
    reference.places.forEach(function (p) { option(rw, String(p.rw), "RW " + String(p.rw).padStart(3, "0")); });
    rtChoices();
    [["asp-category", reference.categories], ["asp-urgency", reference.urgencies]].forEach(function (pair) {
      var select = $(pair[0]);
      while (select.options.length) { select.remove(0); }
      option(select, "", T.letKamtibmas);
      pair[1].forEach(function (c) { option(select, c[0], c[1]); });
    });
    var privacy = $("asp-privacy-choices");
    privacy.textContent = "";
    reference.privacy.forEach(function (p) {
      var label = document.createElement("label");
      var input = document.createElement("input");
      input.type = "radio";
      input.name = "privacy";
      input.value = p[0];
      input.id = "asp-privacy-" + p[0];
      input.checked = p[0] === reference.privacy_default;
      input.addEventListener("change", privacyShown);
      label.append(input, " " + p[1]);
      privacy.append(label);
    });
    privacyShown();
    checklistShown();
    var rws = $("households-rw");
    while (rws.options.length > 1) { rws.remove(1); }
    reference.places.forEach(function (p) { option(rws, String(p.rw), "RW " + String(p.rw).padStart(3, "0")); });
    if (households && households.rw) { rws.value = String(households.rw); }
    var a = reference.attendance;
    $("att-residents").value = a.residents;
    $("att-leaders").value = a.leaders;
    $("att-children").value = a.children;
  }
  function rtChoices() {
    var rt = $("asp-rt");
    while (rt.options.length) { rt.remove(0); }
    option(rt, "", T.anyRt);
    var chosen = Number($("asp-rw").value);
    var place = reference && reference.places.filter(function (p) { return p.rw === chosen; })[0];
    (place ? place.rts : []).forEach(function (n) { option(rt, String(n), "RT " + String(n).padStart(3, "0")); });
    rt.disabled = !place;
  }
  function checklistShown() {
    var node = $("inspection-items");
    node.textContent = "";
    reference.checklist.forEach(function (item) {
      var box = document.createElement("fieldset");
      box.className = "field-check";
      box.id = "check-" + item.code;
      var legend = document.createElement("legend");
      legend.textContent = item.name;
      var select = document.createElement("select");
      select.id = "result-" + item.code;
      select.setAttribute("aria-label", item.name);
      option(select, "", T.notChecked);
      reference.results.forEach(function (r) { option(select, r[0], r[1]); });
      var note = document.createElement("input");
      note.id = "note-" + item.code;
      note.maxLength = 2000;
      note.setAttribute("aria-label", fmt(T.noteOn, { item: item.name }));
      box.append(legend, select, note);
      node.append(box);
    });
  }
  function getJson(url) {
    return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      var json = (response.headers.get("content-type") || "").indexOf("application/json") === 0;
      if (!json) { throw new Error(T.signIn); }
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.message); }
        return data;
      });
    });
  }
  function download() {
    show($("reference-error"), "");
    return getJson(app.dataset.referenceUrl)
      .then(function (data) { reference = data; return queue.data.put(dialogue, data); })
      .then(referenceShown)
      .catch(function (error) {
        show($("reference-error"), fmt(T.referenceFailed, { reason: navigator.onLine ? error.message : T.noConnection }));
      });
  }

  // ---- aspirations -------------------------------------------------------------------
  function privacyChosen() {
    var checked = document.querySelector("input[name=privacy]:checked");
    return checked ? checked.value : "";
  }
  function privacyShown() {
    var anonymous = privacyChosen() === "anonymous";
    $("asp-identity").hidden = anonymous;
    show($("asp-anonymous"), anonymous ? T.anonymousNote : "");
  }
  function recordAspiration(event) {
    event.preventDefault();
    var text = $("asp-text").value.trim();
    if (!text) { show($("aspiration-error"), T.textNeeded); return; }
    var privacy = privacyChosen();
    var anonymous = privacy === "anonymous";
    var body = {
      text: text,
      spot_answer: $("asp-answer").value.trim(),
      rw: count("asp-rw"),
      rt: count("asp-rt"),
      category: $("asp-category").value,
      urgency: $("asp-urgency").value,
      privacy: privacy,
      reporter_name: anonymous ? "" : clean($("asp-name").value),
      reporter_phone: anonymous ? "" : clean($("asp-phone").value)
    };
    var label = text.length > 60 ? text.slice(0, 60) + "…" : text;
    queued("aspiration", app.dataset.aspirationUrl, body, T.kindAspiration + ": " + label);
    $("aspiration-form").reset();
    rtChoices();
    privacyDefault();
  }
  function privacyDefault() {
    var node = reference && $("asp-privacy-" + reference.privacy_default);
    if (node) { node.checked = true; }
    privacyShown();
  }
  function aspirationShown(body) {
    $("asp-text").value = body.text;
    $("asp-answer").value = body.spot_answer;
    $("asp-rw").value = body.rw === null ? "" : String(body.rw);
    rtChoices();
    $("asp-rt").value = body.rt === null ? "" : String(body.rt);
    $("asp-category").value = body.category;
    $("asp-urgency").value = body.urgency;
    var privacy = $("asp-privacy-" + body.privacy);
    if (privacy) { privacy.checked = true; }
    $("asp-name").value = body.reporter_name;
    $("asp-phone").value = body.reporter_phone;
    privacyShown();
  }

  // ---- attendance and inspection -----------------------------------------------------
  function recordAttendance(event) {
    event.preventDefault();
    var body = { residents: count("att-residents"), leaders: count("att-leaders"), children: count("att-children") };
    queued("attendance", app.dataset.attendanceUrl, body, T.kindAttendance + ": " + fmt(T.attendanceLabel, body));
  }
  function attendanceShown(body) {
    $("att-residents").value = body.residents === null ? "" : body.residents;
    $("att-leaders").value = body.leaders === null ? "" : body.leaders;
    $("att-children").value = body.children === null ? "" : body.children;
  }
  function recordInspection(event) {
    event.preventDefault();
    if (!reference) { return; }
    var findings = [];
    reference.checklist.forEach(function (item) {
      var result = $("result-" + item.code).value;
      if (result) { findings.push({ item: item.code, result: result, note: $("note-" + item.code).value.trim() }); }
    });
    var body = { inspected_at: new Date().toISOString(), notes: $("insp-notes").value.trim(), findings: findings };
    var problems = findings.filter(function (f) { return f.result === "problem"; }).length;
    queued("inspection", app.dataset.inspectionUrl, body,
      T.kindInspection + ": " + fmt(T.inspectionLabel, { checked: findings.length, problems: problems }));
  }
  function inspectionShown(body) {
    reference.checklist.forEach(function (item) {
      var found = body.findings.filter(function (f) { return f.item === item.code; })[0];
      $("result-" + item.code).value = found ? found.result : "";
      $("note-" + item.code).value = found ? found.note : "";
    });
    $("insp-notes").value = body.notes;
  }

  // ---- loss reports: the online start's form, sent as its FormData -------------------
  var lossForm = $("loss-form");
  function ticks() {
    return Array.prototype.map.call(lossForm.querySelectorAll("[data-loss-item]"), function (group) {
      return group.querySelector("input[type=checkbox]");
    });
  }
  function ticksShown() {   // loss-staff.js opens the fields of the ticked documents
    ticks().forEach(function (tick) { tick.dispatchEvent(new Event("change")); });
  }
  function recordLoss(event) {
    event.preventDefault();
    var body = {};
    new FormData(lossForm).forEach(function (value, name) { body[name] = String(value).trim(); });
    var ticked = ticks().filter(function (tick) { return tick.checked; }).map(function (tick) {
      return lossForm.querySelector("label[for='" + tick.id + "']").textContent;
    });
    if (!body.lost_on || !ticked.length) { show($("loss-error"), T.lossNeeded); return; }
    queued("loss", app.dataset.lossUrl, body, T.kindLoss + ": " + ticked.join(", "));
    lossForm.reset();
    ticksShown();
  }
  function lossShown(body) {
    Array.prototype.forEach.call(lossForm.elements, function (node) {
      if (!node.name) { return; }
      if (node.type === "checkbox") { node.checked = body[node.name] === "on"; }
      else { node.value = body[node.name] || ""; }
    });
    ticksShown();
  }

  // ---- households of the kelurahan ---------------------------------------------------
  var householdsKey = "households:" + app.dataset.village;
  var households = null;
  function householdsShown() {
    var state = $("households-state");
    if (!households) { state.textContent = T.householdsNeeded; state.dataset.version = ""; return; }
    state.textContent = fmt(T.householdsState, {
      count: households.households.length, place: households.place, when: households.generated
    });
    state.dataset.version = households.version;
  }
  // A list past its keep_until is deleted from the phone (HOUSEHOLDS_KEPT on the server).
  function householdsExpired(list) {
    return !list.keep_until || Date.parse(list.keep_until) <= Date.now();
  }
  function householdsForget() {
    households = null;
    householdsShown();
    return queue.data.drop(householdsKey);
  }
  function householdsDownload(rw, have) {
    show($("households-error"), "");
    var url = app.dataset.householdsUrl + "?rw=" + encodeURIComponent(rw || "") +
      (have ? "&have=" + encodeURIComponent(have) : "");
    return getJson(url).then(function (data) {
      if (data.unchanged) {
        households.keep_until = data.keep_until;
        return queue.data.put(householdsKey, households);
      }
      households = data;
      return queue.data.put(householdsKey, data);
    }).then(householdsShown).catch(function (error) {
      show($("households-error"), fmt(T.householdsFailed, { reason: navigator.onLine ? error.message : T.noConnection }));
    });
  }
  function findHousehold() {
    var error = $("households-find-error");
    var node = $("households-found");
    node.textContent = "";
    show(error, "");
    if (households && householdsExpired(households)) { householdsForget(); }
    if (!households) { show(error, T.householdsNeeded); return; }
    var text = $("households-find").value.trim();
    var digits = text.replace(/[\s.\-]/g, "");
    if (/^\d{16}$/.test(digits)) {
      window.kamtibmasOfflineQueue.saltedDigest(households.salt, digits).then(function (hash) {
        var found = households.households.filter(function (h) { return h.kk === hash; });
        if (found.length) { found.forEach(householdRow); } else { show(error, T.householdNotFound); }
      });
      return;
    }
    var words = text.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length) { show(error, T.householdSearch); return; }
    var found = households.households.filter(function (h) {
      var name = h.name.toLocaleLowerCase();
      return words.every(function (w) { return name.indexOf(w) >= 0; });
    }).slice(0, 20);
    if (found.length) { found.forEach(householdRow); } else { show(error, T.householdNoMatch); }
  }
  function householdRow(h) {
    var li = document.createElement("li");
    li.id = "household-" + h.id;
    var title = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = h.name;
    title.append(strong, " · " + h.place + " · KK ************" + h.kk_end);
    li.append(title, useButton("household-use-loss", T.useForLoss, "loss-section", "loss-name", function () {
      $("loss-name").value = h.name;
      $("loss-address").value = h.address || h.place + ", " + households.kelurahan;
    }), " ", useButton("household-use-aspiration", T.useForAspiration, "aspiration-section", "asp-text", function () {
      $("asp-name").value = h.name;
      $("asp-rw").value = h.rw === null ? "" : String(h.rw);
      rtChoices();
      $("asp-rt").value = h.rt === null ? "" : String(h.rt);
    }));
    $("households-found").append(li);
  }
  // A button that fills a form from the household, then takes the officer there.
  function useButton(className, text, section, focus, fill) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button " + className;
    button.textContent = text;
    button.addEventListener("click", function () {
      fill();
      $(section).scrollIntoView();
      $(focus).focus();
    });
    return button;
  }

  // ---- the queue ---------------------------------------------------------------------
  var editors = {
    aspiration: [aspirationShown, "aspiration-section", "asp-text"],
    attendance: [attendanceShown, "attendance-section", "att-residents"],
    inspection: [inspectionShown, "inspection-section", "insp-notes"],
    loss: [lossShown, "loss-section", "loss-name"]
  };
  function queued(kind, url, body, label) {
    var previous = replacing && replacing.kind === kind ? replacing.key : null;
    replacing = null;
    document.querySelectorAll(".field-correcting").forEach(function (n) { n.hidden = true; });
    $("queue-summary").textContent = T.recorded;
    show($(kind + "-error"), "");
    queue.add({ kind: kind, url: url, body: body, label: label, at: new Date().toISOString() }, previous);
  }
  function correct(entry) {
    var editor = editors[entry.kind];
    var needsLists = entry.kind === "aspiration" || entry.kind === "inspection";
    if (!editor || !entry.body || (needsLists && !reference)) { return; }
    replacing = entry;
    editor[0](entry.body);
    var section = $(editor[1]);
    section.querySelector(".field-correcting").hidden = false;
    show($(entry.kind + "-error"), fmt(T.rejected, { reason: entry.message }));
    section.scrollIntoView();
    $(editor[2]).focus();
  }
  function queueShown(entries) {
    var counts = queue.shown($("queue"), entries, T, {
      block: "field-entry",
      stateClass: "field-entry__state",
      fixClass: "field-entry__fix",
      dropClass: "field-entry__drop",
      fix: correct,
      title: function (entry) {
        var title = document.createElement("p");
        var strong = document.createElement("strong");
        strong.textContent = entry.label;
        title.append(strong, " · " + fmt(T.recordedAt, { time: localTime(entry.at) }));
        return title;
      },
      row: function (li, entry) { li.dataset.kind = entry.kind; }
    });
    var summary = $("queue-summary");
    summary.textContent = fmt(T.queueSummary, counts);
    summary.dataset.waiting = counts.waiting;
  }

  // ---- start -------------------------------------------------------------------------
  $("asp-rw").addEventListener("change", rtChoices);
  $("aspiration-form").addEventListener("submit", recordAspiration);
  $("attendance-form").addEventListener("submit", recordAttendance);
  $("inspection-form").addEventListener("submit", recordInspection);
  lossForm.addEventListener("submit", recordLoss);
  $("households-button").addEventListener("click", function () { householdsDownload($("households-rw").value, ""); });
  $("households-find-button").addEventListener("click", findHousehold);
  $("households-find").addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); findHousehold(); }
  });
  document.querySelectorAll(".field-correcting button").forEach(function (button) {
    button.addEventListener("click", function () {
      replacing = null;
      button.parentNode.hidden = true;
      document.querySelectorAll(".field-form-error").forEach(function (n) { show(n, ""); });
    });
  });
  $("sync-button").addEventListener("click", function () { queue.sync(); });
  window.addEventListener("online", connection);
  window.addEventListener("offline", connection);
  connection();
  window.kamtibmasOfflineQueue.keepForOffline(app.dataset.cache, app.dataset.workerUrl);
  queue.data.get(householdsKey).then(function (stored) {
    households = stored || null;
    if (households && householdsExpired(households)) { return householdsForget(); }
    householdsShown();
  }).then(function () {
    return queue.data.get(dialogue);
  }).then(function (stored) {
    if (stored && stored.version === app.dataset.version) { reference = stored; }
    else if (stored && !navigator.onLine) { reference = stored; }
    referenceShown();
    var fresh = reference && reference.version === app.dataset.version;
    return fresh || !navigator.onLine ? null : download();
  }).then(function () {
    return households && navigator.onLine ? householdsDownload(households.rw, households.version) : null;
  }).then(function () { return queue.start(); });
}());
