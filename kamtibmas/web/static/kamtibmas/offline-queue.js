// The on-device queue of the offline pages (kamtibmas/web/offline_sync.py): the
// field app of a dialogue (field.js) and the aid hand-out (aid-offline.js) build on it.
//
// window.kamtibmasOfflineQueue(options) opens the IndexedDB database
// options.database with two stores:
//   options.dataStore: what the page downloaded for offline use (reference lists);
//   queue: every entry recorded on this phone, keyed by its Idempotency-Key, a UUID
//          made when the officer records it, before any attempt to send it.
// An entry is {key, seq, place, url, body, state, message, sent_at, ...}: the page
// adds what it needs to show it. Entries are sent one at a time, oldest first, as
// JSON POSTs of entry.body to entry.url (options.url for an entry that names none:
// the aid hand-out sends all entries of a place to one address), whenever the page
// is online (at start, on
// the "online" event, every 30 seconds, after each new entry). An entry whose answer
// is lost is sent again with the same key and body; the server replays its first
// answer, so it is recorded once. A refused entry (400/422) keeps the server's reason
// and its body, so that it can be corrected and sent again under a new key; a sent
// entry drops its body (the phone keeps no copy of what the server has) and is
// forgotten a day later. A 409 (still being recorded), a 5xx or no answer stops the
// round: the entries behind it wait, so the order holds.
//
// options.version (default 1) is the database's version; options.upgrade(queue,
// oldVersion), when given, runs in the upgrade from an older version with the queue
// store, to rewrite the entries a page's older script left there (aid-offline.js).
(function () {
  "use strict";
  var SENT_KEPT_MS = 24 * 60 * 60 * 1000;
  var RETRY_MS = 30000;

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return x.toString(16).padStart(2, "0"); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  // What a list of households holds instead of a KK number (aid/offline.py,
  // salted_digest): hex SHA-256 of "<salt>:<value>".
  function saltedDigest(salt, value) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(salt + ":" + value)).then(function (buffer) {
      return Array.from(new Uint8Array(buffer), function (x) { return x.toString(16).padStart(2, "0"); }).join("");
    });
  }
  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, name) { return String(values[name]); });
  }
  function button(className, text, click) {
    var node = document.createElement("button");
    node.type = "button";
    node.className = className;
    node.textContent = text;
    node.addEventListener("click", click);
    return node;
  }
  function isJson(response) {
    return (response.headers.get("content-type") || "").indexOf("application/json") === 0;
  }

  // The page and its assets go into the service worker's cache, which serves them
  // when the network is gone, after a reload too.
  function keepForOffline(cacheName, workerUrl) {
    if (!("serviceWorker" in navigator) || !window.caches) { return; }
    navigator.serviceWorker.register(workerUrl).catch(function () {});
    var urls = [window.location.pathname];
    document.querySelectorAll("link[rel=stylesheet], link[rel=icon], link[rel=manifest], script[src]").forEach(function (node) {
      urls.push(node.href || node.src);
    });
    caches.open(cacheName).then(function (cache) {
      urls.forEach(function (url) { cache.add(url).catch(function () {}); });
    });
  }

  window.kamtibmasOfflineQueue = function (options) {
    var syncing = false;
    var dbReady = new Promise(function (resolve, reject) {
      var open = indexedDB.open(options.database, options.version || 1);
      open.onupgradeneeded = function (event) {
        var db = open.result;
        if (!db.objectStoreNames.contains(options.dataStore)) { db.createObjectStore(options.dataStore); }
        if (!db.objectStoreNames.contains("queue")) {
          db.createObjectStore("queue", { keyPath: "key" }).createIndex("place", "place");
        }
        if (options.upgrade && event.oldVersion > 0) {
          options.upgrade(open.transaction.objectStore("queue"), event.oldVersion);
        }
      };
      open.onsuccess = function () {
        // A newer page in another tab upgrades the database: let it.
        open.result.onversionchange = function () { open.result.close(); };
        resolve(open.result);
      };
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
      return store("queue", "readonly", function (s) { return s.index("place").getAll(options.place); })
        .then(function (all) { return all.sort(function (a, b) { return a.seq - b.seq; }); });
    }
    function put(entry) { return store("queue", "readwrite", function (s) { s.put(entry); }); }
    function remove(key) { return store("queue", "readwrite", function (s) { s.delete(key); }); }
    function changed() { return entries().then(options.onShown); }

    // A new entry (replacing the refused one being corrected, if any), then a send.
    function add(entry, replacing) {
      entry.key = uuid();
      entry.seq = Date.now();
      entry.place = options.place;
      entry.state = "waiting";
      entry.message = "";
      var done = replacing ? remove(replacing) : Promise.resolve();
      return done.then(function () { return put(entry); }).then(changed).then(sync);
    }
    function token() {
      return fetch(options.tokenUrl, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
        if (!response.ok || !isJson(response)) { throw new Error("sign-in"); }
        return response.json();
      }).then(function (data) { return data.csrf; });
    }
    function sendOne(entry, csrf) {
      return fetch(entry.url || options.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Idempotency-Key": entry.key, "X-CSRFToken": csrf },
        body: JSON.stringify(entry.body)
      }).then(function (response) {
        if (!isJson(response)) { throw new Error(response.status === 403 || response.redirected ? "sign-in" : "later"); }
        return response.json().then(function (data) {
          if (response.status === 200 || response.status === 201) {
            entry.state = "sent";
            entry.message = data.message;
            entry.sent_at = Date.now();
            entry.body = null;
          } else if (response.status === 400 || response.status === 422) {
            entry.state = "rejected";
            entry.message = data.message;
          } else {
            throw new Error("later");
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
              return chain.then(function () { return sendOne(entry, csrf).then(changed); });
            }, Promise.resolve());
          });
        });
      }).catch(function (error) {
        if (error && error.message === "sign-in" && options.onSignIn) { options.onSignIn(); }
      }).then(function () {
        syncing = false;
        return changed();
      });
    }
    // The page's list of its entries in node: an <li id="entry-<key>" data-state> each
    // (class look.block and look.block--<state>), with look.title(entry), the state in
    // words (texts.waiting / sent with the server's answer / rejected with its reason)
    // and, for a refused entry, the buttons to correct it (look.fix) or remove it;
    // look.row(li, entry), if given, adds what else the page needs. Returns the counts
    // by state.
    function shown(node, queued, texts, look) {
      node.textContent = "";
      var counts = { waiting: 0, sent: 0, rejected: 0 };
      queued.forEach(function (entry) {
        counts[entry.state] += 1;
        var li = document.createElement("li");
        li.id = "entry-" + entry.key;
        li.className = look.block + " " + look.block + "--" + entry.state;
        li.dataset.state = entry.state;
        var state = document.createElement("p");
        state.className = look.stateClass;
        state.textContent = entry.state === "rejected" ? fmt(texts.rejected, { reason: entry.message })
          : entry.state === "sent" ? texts.sent + (entry.message ? ": " + entry.message : "") : texts.waiting;
        li.append(look.title(entry), state);
        if (entry.state === "rejected") {
          li.append(
            button(("button " + (look.fixClass || "")).trim(), texts.fix, function () { look.fix(entry); }), " ",
            button(("link-button " + (look.dropClass || "")).trim(), texts.discard, function () {
              remove(entry.key).then(changed);
            }));
        }
        if (look.row) { look.row(li, entry); }
        node.append(li);
      });
      return counts;
    }
    function start() {
      window.addEventListener("online", sync);
      window.setInterval(sync, RETRY_MS);
      return changed().then(sync);
    }
    return {
      uuid: uuid,
      entries: entries,
      add: add,
      remove: function (key) { return remove(key).then(changed); },
      sync: sync,
      start: start,
      shown: shown,
      data: {
        get: function (key) { return store(options.dataStore, "readonly", function (s) { return s.get(key); }); },
        put: function (key, value) { return store(options.dataStore, "readwrite", function (s) { s.put(value, key); }); },
        drop: function (key) { return store(options.dataStore, "readwrite", function (s) { s.delete(key); }); }
      }
    };
  };
  window.kamtibmasOfflineQueue.keepForOffline = keepForOffline;
  window.kamtibmasOfflineQueue.saltedDigest = saltedDigest;
}());
