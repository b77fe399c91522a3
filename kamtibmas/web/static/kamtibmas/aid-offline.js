// The aid hand-out without a connection (issue 8 point 4; kamtibmas/web/aid_offline.py).
//
// IndexedDB "kamtibmas-aid" keeps two stores, through the shared on-device queue
// (offline-queue.js):
//   lists: the offline list of a program at a location (key "program:location"),
//          deleted from the phone once past its keep_until (aid/offline.py);
//   queue: every hand-out recorded on this phone, keyed by its Idempotency-Key, a
//          UUID made when the officer confirms, before any attempt to send it; its
//          body is what the sync URL of its place receives.
// The shared queue sends the entries one at a time, oldest first, whenever the page
// is online (at load, on the "online" event, every 30 seconds, after each new
// entry). An entry whose answer is lost is sent again with the same key and body;
// the server replays its first answer, so a hand-out is recorded once. An entry the
// server refuses (422: served by another officer meanwhile, stock used up) says why
// and can be corrected and sent again under a new key.
//
// Version 1 of the database was this script's own queue, the hand-out's fields on
// the entry itself; the upgrade to version 2 moves them into the entry's body under
// the same key, so what was waiting on a phone is sent as it would have been.
(function () {
  "use strict";
  var app = document.getElementById("offline-app");
  if (!app || !window.indexedDB || !window.kamtibmasOfflineQueue) { return; }
  var T = JSON.parse(document.getElementById("offline-texts").textContent);
  var program = Number(app.dataset.program);
  var location_ = Number(app.dataset.location);
  var listKey = program + ":" + location_;
  var listUrl = app.dataset.listUrl;
  var list = null;
  var current = null;       // the household shown
  var replacing = null;     // the key of a refused entry being corrected
  var photo = null;         // data URL of the redrawn photo

  function $(id) { return document.getElementById(id); }
  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, name) { return String(values[name]); });
  }
  function show(node, text) { node.textContent = text || ""; node.hidden = !text; }
  function clockTime(iso) {
    var d = new Date(iso);
    return String(d.getHours()).padStart(2, "0") + "." + String(d.getMinutes()).padStart(2, "0");
  }

  // ---- the queue on the phone (offline-queue.js) ----------------------------------
  // An entry of version 1 of the database becomes an entry of the shared queue: the
  // hand-out it holds is its body (none once sent: the server has it), its key stays.
  function upgrade(store, oldVersion) {
    if (oldVersion >= 2) { return; }
    store.openCursor().onsuccess = function (event) {
      var cursor = event.target.result;
      if (!cursor) { return; }
      var entry = cursor.value;
      if (!("body" in entry)) {
        entry.body = entry.state === "sent" ? null : handoutBody(entry);
        delete entry.confirmation;
        delete entry.children_present;
        cursor.update(entry);
      }
      cursor.continue();
    };
  }
  function handoutBody(fields) {
    return {
      household: fields.household,
      recipient_name: fields.recipient_name,
      children_present: fields.children_present,
      handed_at: fields.handed_at,
      confirmation: fields.confirmation || null
    };
  }
  var queue = window.kamtibmasOfflineQueue({
    database: "kamtibmas-aid",
    version: 2,
    upgrade: upgrade,
    dataStore: "lists",
    place: listKey,
    url: app.dataset.syncUrl,
    tokenUrl: app.dataset.syncUrl,
    onShown: queueShown,
    onSignIn: function () { $("queue-summary").textContent = T.signIn; }
  });

  // ---- connection ------------------------------------------------------------------
  function connection() {
    var node = $("connection");
    node.textContent = navigator.onLine ? T.online : T.offline;
    node.dataset.online = navigator.onLine ? "yes" : "no";
  }

  // ---- the list --------------------------------------------------------------------
  function listShown(why) {
    var state = $("list-state");
    if (!list) {
      state.textContent = why || T.listNeeded;
      state.dataset.count = "";
      state.dataset.keepUntil = "";
      stockShown([]);
      places();
      return;
    }
    state.textContent = fmt(T.listState, { count: list.households.length, when: list.generated_label }) +
      " " + fmt(T.listKept, { day: list.keep_until_label });
    state.dataset.count = list.households.length;
    state.dataset.keepUntil = list.keep_until;
    places();
    queue.entries().then(stockShown);
  }
  // A list past its keep_until (or from before lists had one) is deleted from the
  // phone: when the page opens, when a household is looked for, and every half minute.
  function listExpired(stored) {
    return !stored.keep_until || Date.parse(stored.keep_until) <= Date.now();
  }
  function listCurrent() {
    if (list && listExpired(list)) {
      var day = list.keep_until_label;
      list = null;
      householdClosed();
      queue.data.drop(listKey);
      listShown(fmt(T.listDeleted, { day: day }));
    }
    return !!list;
  }
  function places() {
    var select = $("place-input");
    while (select.options.length > 1) { select.remove(1); }
    if (!list) { return; }
    var seen = {};
    list.households.forEach(function (h) {
      if (!seen[h.place]) { seen[h.place] = true; select.add(new Option(h.place, h.place)); }
    });
  }
  function quantities(household, children) {
    var out = {};
    list.items.forEach(function (item) {
      var q = item.per_child ? Math.min(children, household.children) : item.per_household;
      if (q > 0) { out[item.id] = q; }
    });
    return out;
  }
  function stockShown(queued) {
    var node = $("offline-stock");
    node.textContent = "";
    if (!list) { return; }
    var used = {};
    queued.forEach(function (e) {
      if (e.state === "rejected") { return; }
      Object.keys(e.quantities || {}).forEach(function (id) { used[id] = (used[id] || 0) + e.quantities[id]; });
    });
    list.items.forEach(function (item) {
      var li = document.createElement("li");
      li.id = "offline-stock-" + item.id;
      var name = document.createElement("span");
      name.textContent = item.name + " ";
      var balance = document.createElement("strong");
      balance.className = "aid-stock__balance";
      balance.textContent = String(item.balance - (used[item.id] || 0));
      li.append(name, balance, " " + item.measure);
      node.append(li);
    });
  }
  function download(event) {
    if (event) { event.preventDefault(); }
    show($("list-error"), "");
    var area = $("list-area").value;
    fetch(listUrl + (area ? "?area=" + encodeURIComponent(area) : ""), { credentials: "same-origin" })
      .then(function (response) {
        var json = (response.headers.get("content-type") || "").indexOf("application/json") === 0;
        if (!json) { throw new Error(T.signIn); }
        return response.json().then(function (data) {
          if (!response.ok) { throw new Error(data.message); }
          return data;
        });
      })
      .then(function (data) {
        list = data;
        return queue.data.put(listKey, data);
      })
      .then(function () { if (listCurrent()) { listShown(); } })
      .catch(function (error) {
        show($("list-error"), fmt(T.listFailed, { reason: navigator.onLine ? error.message : T.noConnection }));
      });
  }

  // ---- finding a household ---------------------------------------------------------
  function digest(value) {
    var bytes = new TextEncoder().encode(list.salt + ":" + value);
    return crypto.subtle.digest("SHA-256", bytes).then(function (buffer) {
      return Array.prototype.map.call(new Uint8Array(buffer), function (x) {
        return x.toString(16).padStart(2, "0");
      }).join("");
    });
  }
  function cardCode(text) {
    var match = /(?:\/card\/)?([A-Za-z0-9-]{10,11})\/?$/.exec(text.trim());
    var code = match ? match[1].replace(/-/g, "").toUpperCase() : "";
    return /^[ABCDEFGHJKMNPQRSTVWXYZ2-9]{10}$/.test(code) ? code : "";
  }
  function findByCode(text) {
    show($("find-error"), "");
    if (!listCurrent()) { show($("find-error"), T.listNeeded); return; }
    var digits = text.replace(/[\s.\-]/g, "");
    var field = null;
    var value = "";
    if (/^\d{16}$/.test(digits)) { field = "kk"; value = digits; }
    else if (cardCode(text)) { field = "card"; value = cardCode(text); }
    if (!field) { show($("find-error"), T.notCode); return; }
    digest(value).then(function (hash) {
      var found = list.households.filter(function (h) { return h[field] === hash; })[0];
      if (found) { householdShown(found); } else { show($("find-error"), T.notFound); }
    });
  }
  function findByName(words, place) {
    show($("find-error"), "");
    var node = $("offline-matches");
    node.textContent = "";
    if (!listCurrent()) { show($("find-error"), T.listNeeded); return; }
    var parts = words.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    var found = list.households.filter(function (h) {
      var name = h.name.toLocaleLowerCase();
      return (!place || h.place === place) && parts.every(function (w) { return name.indexOf(w) >= 0; });
    }).slice(0, 20);
    if (!found.length) { show($("find-error"), T.noMatches); return; }
    found.forEach(function (h) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button aid-match";
      button.id = "offline-choose-" + h.id;
      button.textContent = h.name + " · " + h.place;
      button.addEventListener("click", function () { node.textContent = ""; householdShown(h); });
      li.append(button);
      node.append(li);
    });
  }

  // ---- the household and its hand-out ----------------------------------------------
  function verdict(household, queued) {
    var mine = queued.filter(function (e) {
      return e.household === household.id && e.state !== "rejected" && e.key !== replacing;
    })[0];
    if (mine) { return [fmt(T.onPhone, { time: clockTime(mine.handed_at) })]; }
    return household.refused ? [household.refused] : [];
  }
  function householdShown(household, entry) {
    if (!listCurrent()) { return; }
    current = household;
    $("offline-household-title").textContent = household.name;
    $("offline-kk").textContent = "************" + household.kk_end;
    $("offline-place").textContent = household.place;
    $("offline-members").textContent = household.members;
    $("offline-children").textContent = household.children;
    $("recipient-input").value = entry ? entry.body.recipient_name : household.name;
    $("children-input").value = entry ? entry.body.children_present : household.children;
    clearSignature();
    clearPhoto();
    show($("handout-error"), "");
    $("offline-household").hidden = false;
    $("find").hidden = true;
    queue.entries().then(function (queued) {
      var reasons = verdict(household, queued);
      var box = $("offline-verdict");
      var lines = $("offline-verdict-lines");
      lines.textContent = "";
      box.className = "aid-verdict " + (reasons.length ? "aid-verdict--refused" : "aid-verdict--eligible");
      box.dataset.eligible = reasons.length ? "no" : "yes";
      $("offline-verdict-title").textContent = reasons.length ? T.mayNot : T.mayReceive;
      if (reasons.length) {
        reasons.forEach(function (reason) { var li = document.createElement("li"); li.textContent = reason; lines.append(li); });
      } else {
        var q = quantities(household, household.children);
        list.items.forEach(function (item) {
          if (!q[item.id]) { return; }
          var li = document.createElement("li");
          li.textContent = q[item.id] + " " + item.measure + " " + item.name;
          lines.append(li);
        });
      }
      $("offline-handout-button").disabled = reasons.length > 0;
    });
  }
  function householdClosed() {
    current = null;
    replacing = null;
    $("offline-household").hidden = true;
    $("find").hidden = false;
    $("code-input").value = "";
    $("name-input").value = "";
  }
  function record(event) {
    event.preventDefault();
    if (!current) { return; }
    var name = $("recipient-input").value.replace(/\s+/g, " ").trim();
    var children = Math.max(0, Math.min(99, parseInt($("children-input").value, 10) || 0));
    if (!name) { show($("handout-error"), T.nameNeeded); return; }
    var confirmation = null;
    if (photo) { confirmation = { kind: "photo", data: photo }; }
    else if (signature.signed()) { confirmation = { kind: "signature", data: signature.dataUrl() }; }
    var handedAt = new Date().toISOString();
    var entry = {
      household: current.id,
      name: current.name,
      recipient_name: name,
      handed_at: handedAt,
      quantities: quantities(current, children),
      body: handoutBody({
        household: current.id,
        recipient_name: name,
        children_present: children,
        handed_at: handedAt,
        confirmation: confirmation
      })
    };
    var previous = replacing;
    householdClosed();
    $("queue-summary").textContent = T.recorded;
    queue.add(entry, previous);
  }

  // ---- signature and photo ---------------------------------------------------------
  var signature = window.kamtibmasSignaturePad($("signature-pad"));
  function clearSignature() { signature.clear(); }
  $("signature-clear").addEventListener("click", clearSignature);
  function clearPhoto() {
    photo = null;
    $("photo-input").value = "";
    $("photo-preview").hidden = true;
  }
  $("photo-input").addEventListener("change", function () {
    var file = this.files && this.files[0];
    if (!file) { clearPhoto(); return; }
    var reader = new FileReader();
    reader.onload = function () {
      var image = new Image();
      image.onload = function () {
        var scale = Math.min(1, 800 / Math.max(image.width, image.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(image.width * scale);
        canvas.height = Math.round(image.height * scale);
        canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
        photo = canvas.toDataURL("image/jpeg", 0.7);
        $("photo-preview").src = photo;
        $("photo-preview").hidden = false;
      };
      image.onerror = function () { clearPhoto(); show($("handout-error"), T.photoFailed); };
      image.src = reader.result;
    };
    reader.readAsDataURL(file);
  });

  // ---- the queue -------------------------------------------------------------------
  function queueShown(queued) {
    var counts = queue.shown($("queue"), queued, T, {
      block: "aid-offline__entry",
      stateClass: "aid-offline__state",
      fix: function (entry) {
        var household = listCurrent() && list.households.filter(function (h) { return h.id === entry.household; })[0];
        if (!household || !entry.body) { return; }
        replacing = entry.key;
        householdShown(household, entry);
      },
      title: function (entry) {
        var title = document.createElement("strong");
        title.textContent = entry.recipient_name + " · " + clockTime(entry.handed_at);
        return title;
      }
    });
    $("queue-summary").textContent = fmt(T.queueSummary, counts);
    stockShown(queued);
  }

  // ---- card scanning, where the phone's browser can read QR codes ---------------------
  function scanning() {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
    var button = $("scan-button");
    button.hidden = false;
    button.addEventListener("click", function () {
      var video = $("scan-video");
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        video.play();
        function stop() { stream.getTracks().forEach(function (t) { t.stop(); }); video.hidden = true; }
        function look() {
          detector.detect(video).then(function (codes) {
            if (codes.length) { stop(); $("code-input").value = codes[0].rawValue; findByCode(codes[0].rawValue); }
            else if (!video.hidden) { window.setTimeout(look, 250); }
          }).catch(function () { stop(); show($("find-error"), T.scanFailed); });
        }
        look();
      }).catch(function () { show($("find-error"), T.scanFailed); });
    });
  }

  // ---- start -----------------------------------------------------------------------
  $("list-form").addEventListener("submit", download);
  $("code-form").addEventListener("submit", function (event) { event.preventDefault(); findByCode($("code-input").value); });
  $("name-form").addEventListener("submit", function (event) {
    event.preventDefault();
    findByName($("name-input").value, $("place-input").value);
  });
  $("offline-handout-form").addEventListener("submit", record);
  $("offline-cancel").addEventListener("click", householdClosed);
  $("sync-button").addEventListener("click", function () { queue.sync(); });
  window.addEventListener("online", connection);
  window.addEventListener("offline", connection);
  window.setInterval(listCurrent, 30000);
  connection();
  window.kamtibmasOfflineQueue.keepForOffline(app.dataset.cache, app.dataset.workerUrl);
  scanning();
  queue.data.get(listKey).then(function (stored) {
    var why = "";
    if (stored && stored.version !== Number(app.dataset.version)) {
      queue.data.drop(listKey);   // another shape (version 1 had no keep_until)
    } else if (stored && listExpired(stored)) {
      queue.data.drop(listKey);
      why = fmt(T.listDeleted, { day: stored.keep_until_label });
    } else if (stored) {
      list = stored;
    }
    listShown(why);
    if (!list && navigator.onLine) { download(); }
    return queue.start();
  });
}());
