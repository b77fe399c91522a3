{% load static %}// Kamtibmas: a service worker of the offline pages (web/offline_sync.py): the aid
// hand-out (web/aid_offline.py) and the field app of a dialogue (web/field.py).
// It serves the offline pages named below and the site's static files from the
// cache the page filled, when the network is gone or too slow; it never caches any
// other staff page (they hold personal data) and never touches a POST.
"use strict";
var CACHE = "{{ cache_prefix }}{{ cache_version }}";
var SHELL = /{{ shell_pattern|safe }}/;
var STATIC = "{% get_static_prefix %}";
// A slow connection is no connection: after this the cached page is shown.
var PATIENCE_MS = 4000;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("{{ cache_prefix }}") === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function fromCache(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request, { ignoreSearch: true });
  }).then(function (hit) {
    if (!hit) { return Response.error(); }
    var headers = new Headers(hit.headers);
    headers.set("X-Kamtibmas-Served-From", "cache");
    return hit.blob().then(function (blob) {
      return new Response(blob, { status: hit.status, statusText: hit.statusText, headers: headers });
    });
  });
}

function networkFirst(request) {
  return new Promise(function (resolve) {
    var settled = false;
    var timer = setTimeout(function () { settled = true; resolve(fromCache(request)); }, PATIENCE_MS);
    fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      if (!settled) { settled = true; clearTimeout(timer); resolve(response); }
    }).catch(function () {
      if (!settled) { settled = true; clearTimeout(timer); resolve(fromCache(request)); }
    });
  });
}

function cacheFirst(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) { cache.put(request, response.clone()); }
        return response;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (SHELL.test(url.pathname)) { event.respondWith(networkFirst(request)); return; }
  if (url.pathname.indexOf(STATIC) === 0) { event.respondWith(cacheFirst(request)); }
});
