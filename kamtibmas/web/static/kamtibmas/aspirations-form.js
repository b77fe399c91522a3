// The public aspiration form: a character counter, "use my location", the contact
// fields switched off for anonymous reports, and similar public reports while typing.
// Progressive enhancement only: without this file the form works as it is.
(function () {
  "use strict";
  var form = document.getElementById("aspiration-form");
  if (!form) { return; }
  var text = form.querySelector("[name=text]");

  // How much of the 4000 characters is used (newlines count once, as on the server).
  var counter = document.getElementById("text-counter");
  if (text && counter) {
    var max = parseInt(counter.getAttribute("data-max"), 10);
    var template = counter.getAttribute("data-template") || "";
    var count = function () {
      var used = text.value.replace(/\r\n/g, "\n").length;
      counter.textContent = template.replace("__COUNT__", String(used));
      counter.classList.toggle("counter--over", used > max);
    };
    counter.hidden = false;
    text.addEventListener("input", count);
    count();
  }

  // "Use my location": the phone's position into the two coordinate fields.
  var locate = document.getElementById("use-location");
  var locationStatus = document.getElementById("location-status");
  var latitude = form.querySelector("[name=latitude]");
  var longitude = form.querySelector("[name=longitude]");
  if (locate && latitude && longitude && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      locationStatus.textContent = locate.getAttribute("data-locating");
      navigator.geolocation.getCurrentPosition(function (position) {
        latitude.value = position.coords.latitude.toFixed(6);
        longitude.value = position.coords.longitude.toFixed(6);
        locationStatus.textContent = locate.getAttribute("data-done");
        // Setting a value by script fires no event; similar reports may now reach
        // across the kelurahan's border.
        latitude.dispatchEvent(new Event("change"));
      }, function () {
        locationStatus.textContent = locate.getAttribute("data-failed");
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  // Anonymous: a disabled fieldset sends nothing, so no contact can leave the phone.
  var contact = document.getElementById("contact");
  var note = document.getElementById("anonymous-note");
  var radios = form.querySelectorAll("[name=privacy]");
  var privacyChanged = function () {
    var chosen = form.querySelector("[name=privacy]:checked");
    var anonymous = chosen !== null && chosen.value === "anonymous";
    if (contact) {
      contact.disabled = anonymous;
      contact.classList.toggle("group--off", anonymous);
    }
    if (note) { note.hidden = !anonymous; }
  };
  for (var i = 0; i < radios.length; i += 1) {
    radios[i].addEventListener("change", privacyChanged);
  }
  privacyChanged();

  // "Is it one of these?": public reports like the one being typed, in the same
  // kelurahan (and, once the phone's position is known, just across its border).
  // The draft goes in a POST body, never in a URL.
  var similar = document.getElementById("similar");
  var list = document.getElementById("similar-list");
  var village = form.querySelector("[name=village]");
  var token = form.querySelector("[name=csrfmiddlewaretoken]");
  if (!similar || !list || !text || !village || !token || !window.fetch || !window.FormData) {
    return;
  }
  var minimum = parseInt(similar.getAttribute("data-min"), 10) || 20;
  var timer = null;
  var lastAsked = "";
  var pending = null;

  var show = function (results) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    results.forEach(function (found) {
      var item = document.createElement("li");
      item.className = "similar__item";
      var link = document.createElement("a");
      link.href = found.url;
      link.textContent = found.number;
      var state = document.createElement("span");
      state.className = "status status--" + found.status;
      state.textContent = found.status_label;
      var where = document.createElement("span");
      where.className = "similar__where";
      where.textContent = found.area;
      var words = document.createElement("p");
      words.textContent = found.text;
      item.appendChild(link);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(state);
      item.appendChild(document.createTextNode(" · "));
      item.appendChild(where);
      item.appendChild(words);
      list.appendChild(item);
    });
    similar.hidden = results.length === 0;
  };

  var lookup = function () {
    var draft = text.value.trim();
    var position = latitude && longitude && latitude.value && longitude.value
      ? [latitude.value, longitude.value] : null;
    var asked = village.value + "|" + (position ? position.join(",") : "") + "|" + draft;
    if (asked === lastAsked) { return; }
    lastAsked = asked;
    if (draft.length < minimum || !village.value) { show([]); return; }
    var body = new FormData();
    body.append("text", draft);
    body.append("village", village.value);
    if (position) {
      body.append("latitude", position[0]);
      body.append("longitude", position[1]);
    }
    if (pending) { pending.abort(); }
    pending = window.AbortController ? new AbortController() : null;
    fetch(similar.getAttribute("data-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token.value },
      signal: pending ? pending.signal : undefined
    }).then(function (response) {
      return response.ok ? response.json() : { results: [] };
    }).then(function (data) {
      show(data.results || []);
    }).catch(function () { /* offline or aborted: the form still works */ });
  };

  var later = function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookup, 700);
  };
  text.addEventListener("input", later);
  village.addEventListener("change", later);
  if (latitude && longitude) {
    latitude.addEventListener("change", later);
    longitude.addEventListener("change", later);
  }
}());
