// The aid hand-out without a connection (issue 8 point 4; kamtibmas/web/aid_offline.py).
//
// IndexedDB "kamtibmas-aid" keeps two stores:
//   lists: the offline list of a program at a location (key "program:location");
//   queue: every hand-out recorded on this phone, keyed by its Idempotency-Key, a
//          UUID made when the officer confirms, before any attempt to send it.
// Entries are sent one at a time, oldest first, whenever the page is online (at
// load, on the "online" event, every 30 seconds, after each new entry). An entry
// whose answer is lost is sent again with the same key and body; the server
// replays its first answer, so a hand-out is recorded once. An entry the server
// refuses (422: served by another officer meanwhile, stock used up) says why and
// can be corrected and sent again under a new key.
(function () {
  "use strict";
  var app = document.getElementById("offline-app");
  if (!app || !window.indexedDB) { return; }
  var T = JSON.parse(document.getElementById("offline-texts").textContent);
  var program = Number(app.dataset.program);
  var location_ = Number(app.dataset.location);
  var listKey = program + ":" + location_;
  var syncUrl = app.dataset.syncUrl;
  var listUrl = app.dataset.listUrl;
  var SENT_KEPT_MS = 24 * 60 * 60 * 1000;
  var CACHE = "kamtibmas-aid-offline-v1";
  var list = null;
  var current = null;       // the household shown
  var replacing = null;     // the key of a refused entry being corrected
  var photo = null;         // data URL of the redrawn photo
  var syncing = false;

  function $(id) { return document.getElementById(id); }
  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, name) { return String(values[name]); });
  }
  function show(node, text) { node.textContent = text || ""; node.hidden = !text; }
  function clockTime(iso) {
    var d = new Date(iso);
    return String(d.getHours()).padStart(2, "0") + "." + String(d.getMinutes()).padStart(2, "0");
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return x.toString(16).padStart(2, "0"); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // ---- IndexedDB -------------------------------------------------------------------
  var dbReady = new Promise(function (resolve, reject) {
    var open = indexedDB.open("kamtibmas-aid", 1);
    open.onupgradeneeded = function () {
      var db = open.result;
      db.createObjectStore("lists");
      var queue = db.createObjectStore("queue", { keyPath: "key" });
      queue.createIndex("place", "place");
    };
    open.onsuccess = function () { resolve(open.result); };
    open.onerror = function () { reject(open.error); };
  });
  function store(name, mode, work) {
    return dbReady.then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode);
        var result = work(tx.objectStore(name));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function entries() {
    return store("queue", "readonly", function (s) { return s.index("place").getAll(listKey); })
      .then(function (all) { return all.sort(function (a, b) { return a.seq - b.seq; }); });
  }
  function put(entry) { return store("queue", "readwrite", function (s) { s.put(entry); }); }
  function remove(key) { return store("queue", "readwrite", function (s) { s.delete(key); }); }

  // ---- connection ------------------------------------------------------------------
  function connection() {
    var node = $("connection");
    node.textContent = navigator.onLine ? T.online : T.offline;
    node.dataset.online = navigator.onLine ? "yes" : "no";
  }

  // ---- the page keeps itself for offline use --------------------------------------
  function keepForOffline() {
    if (!("serviceWorker" in navigator) || !window.caches) { return; }
    navigator.serviceWorker.register(app.dataset.workerUrl).catch(function () {});
    var urls = [window.location.pathname];
    document.querySelectorAll("link[rel=stylesheet], link[rel=icon], script[src]").forEach(function (node) {
      urls.push(node.href || node.src);
    });
    caches.open(CACHE).then(function (cache) {
      urls.forEach(function (url) { cache.add(url).catch(function () {}); });
    });
  }

  // ---- the list --------------------------------------------------------------------
  function listShown() {
    if (!list) { $("list-state").textContent = T.listNeeded; stockShown([]); places(); return; }
    $("list-state").textContent = fmt(T.listState, { count: list.households.length, when: list.generated_label });
    $("list-state").dataset.count = list.households.length;
    places();
    entries().then(stockShown);
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
        return store("lists", "readwrite", function (s) { s.put(data, listKey); });
      })
      .then(listShown)
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
    if (!list) { show($("find-error"), T.listNeeded); return; }
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
    if (!list) { show($("find-error"), T.listNeeded); return; }
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
    current = household;
    $("offline-household-title").textContent = household.name;
    $("offline-kk").textContent = "************" + household.kk_end;
    $("offline-place").textContent = household.place;
    $("offline-members").textContent = household.members;
    $("offline-children").textContent = household.children;
    $("recipient-input").value = entry ? entry.recipient_name : household.name;
    $("children-input").value = entry ? entry.children_present : household.children;
    clearSignature();
    clearPhoto();
    show($("handout-error"), "");
    $("offline-household").hidden = false;
    $("find").hidden = true;
    entries().then(function (queued) {
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
    var entry = {
      key: uuid(),
      seq: Date.now(),
      place: listKey,
      household: current.id,
      name: current.name,
      recipient_name: name,
      children_present: children,
      handed_at: new Date().toISOString(),
      confirmation: confirmation,
      quantities: quantities(current, children),
      state: "waiting",
      message: ""
    };
    var previous = replacing;
    var done = previous ? remove(previous) : Promise.resolve();
    done.then(function () { return put(entry); }).then(function () {
      householdClosed();
      var summary = $("queue-summary");
      summary.textContent = T.recorded;
      queueShown();
      sync();
    });
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
  function queueShown() {
    return entries().then(function (queued) {
      var node = $("queue");
      node.textContent = "";
      var counts = { waiting: 0, sent: 0, rejected: 0 };
      queued.forEach(function (entry) {
        counts[entry.state] += 1;
        var li = document.createElement("li");
        li.id = "entry-" + entry.key;
        li.className = "aid-offline__entry aid-offline__entry--" + entry.state;
        li.dataset.state = entry.state;
        var title = document.createElement("strong");
        title.textContent = entry.recipient_name + " · " + clockTime(entry.handed_at);
        var state = document.createElement("p");
        state.className = "aid-offline__state";
        state.textContent = entry.state === "rejected" ? fmt(T.rejected, { reason: entry.message })
          : entry.state === "sent" ? T.sent + (entry.message ? ": " + entry.message : "") : T.waiting;
        li.append(title, state);
        if (entry.state === "rejected") {
          var fix = document.createElement("button");
          fix.type = "button";
          fix.className = "button";
          fix.textContent = T.fix;
          fix.addEventListener("click", function () {
            var household = list && list.households.filter(function (h) { return h.id === entry.household; })[0];
            if (!household) { return; }
            replacing = entry.key;
            householdShown(household, entry);
          });
          var drop = document.createElement("button");
          drop.type = "button";
          drop.className = "link-button";
          drop.textContent = T.discard;
          drop.addEventListener("click", function () { remove(entry.key).then(queueShown); });
          li.append(fix, " ", drop);
        }
        node.append(li);
      });
      $("queue-summary").textContent = fmt(T.queueSummary, counts);
      stockShown(queued);
    });
  }
  function token() {
    return fetch(syncUrl, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      var json = (response.headers.get("content-type") || "").indexOf("application/json") === 0;
      if (!response.ok || !json) { throw new Error("sign-in"); }
      return response.json();
    }).then(function (data) { return data.csrf; });
  }
  function body(entry) {
    return JSON.stringify({
      household: entry.household,
      recipient_name: entry.recipient_name,
      children_present: entry.children_present,
      handed_at: entry.handed_at,
      confirmation: entry.confirmation
    });
  }
  function sendOne(entry, csrf) {
    return fetch(syncUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Idempotency-Key": entry.key, "X-CSRFToken": csrf },
      body: body(entry)
    }).then(function (response) {
      var json = (response.headers.get("content-type") || "").indexOf("application/json") === 0;
      if (!json) { throw new Error(response.status === 403 || response.redirected ? "sign-in" : "later"); }
      return response.json().then(function (data) {
        if (response.status === 200 || response.status === 201) {
          entry.state = "sent";
          entry.message = data.message;
          entry.sent_at = Date.now();
          entry.confirmation = null;   // the server has it; the phone keeps no copy
        } else if (response.status === 400 || response.status === 422) {
          entry.state = "rejected";
          entry.message = data.message;
        } else {
          throw new Error("later");   // 409 in flight, 5xx: try again later
        }
        return put(entry);
      });
    });
  }
  function sync() {
    if (syncing || !navigator.onLine) { return Promise.resolve(); }
    syncing = true;
    return entries().then(function (queued) {
      var now = Date.now();
      var stale = queued.filter(function (e) { return e.state === "sent" && now - e.sent_at > SENT_KEPT_MS; });
      var waiting = queued.filter(function (e) { return e.state === "waiting"; });
      return Promise.all(stale.map(function (e) { return remove(e.key); })).then(function () {
        if (!waiting.length) { return null; }
        return token().then(function (csrf) {
          return waiting.reduce(function (chain, entry) {
            return chain.then(function () { return sendOne(entry, csrf).then(queueShown); });
          }, Promise.resolve());
        });
      });
    }).catch(function (error) {
      if (error && error.message === "sign-in") { $("queue-summary").textContent = T.signIn; }
    }).then(function () {
      syncing = false;
      return queueShown();
    });
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
  $("sync-button").addEventListener("click", sync);
  window.addEventListener("online", function () { connection(); sync(); });
  window.addEventListener("offline", connection);
  window.setInterval(sync, 30000);
  connection();
  keepForOffline();
  scanning();
  store("lists", "readonly", function (s) { return s.get(listKey); }).then(function (stored) {
    if (stored && stored.version === Number(app.dataset.version)) { list = stored; }
    listShown();
    if (!list && navigator.onLine) { download(); }
    return queueShown();
  }).then(sync);
}());
