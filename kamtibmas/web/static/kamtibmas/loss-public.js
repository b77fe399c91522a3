// The public loss-report pages: only the fields of the ticked documents, "use my
// location" (which then asks for the posts near it), and copying the receipt code.
// Progressive enhancement only: without this file every field shows and the form
// works as it is.
(function () {
  "use strict";

  // Each document's identifying fields show once it is ticked.
  var form = document.getElementById("loss-form");
  if (form) {
    var items = form.querySelectorAll(".loss-item");
    var bind = function (item) {
      var box = item.querySelector("input[name=items]");
      var details = item.querySelector(".loss-item__details");
      if (!box || !details) { return; }
      var toggle = function () { details.hidden = !box.checked; };
      box.addEventListener("change", toggle);
      toggle();
    };
    for (var i = 0; i < items.length; i += 1) { bind(items[i]); }

    // "Use my location": the phone's position into the coordinate fields, then the
    // posts near it (the same button as "Show posts": nothing is stored).
    var locate = document.getElementById("use-location");
    var status = document.getElementById("location-status");
    var latitude = form.querySelector("[name=latitude]");
    var longitude = form.querySelector("[name=longitude]");
    var find = document.getElementById("find-posts");
    if (locate && latitude && longitude && find && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        status.textContent = locate.getAttribute("data-locating");
        navigator.geolocation.getCurrentPosition(function (position) {
          latitude.value = position.coords.latitude.toFixed(6);
          longitude.value = position.coords.longitude.toFixed(6);
          status.textContent = locate.getAttribute("data-done");
          find.click();
        }, function () {
          status.textContent = locate.getAttribute("data-failed");
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
  }

  // Copy the receipt code (the page shows it only once).
  var copy = document.getElementById("copy-code");
  var copied = document.getElementById("copy-status");
  if (copy && navigator.clipboard && window.isSecureContext) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(copy.getAttribute("data-code")).then(function () {
        if (copied) { copied.textContent = copy.getAttribute("data-copied"); }
      }, function () { /* the code stays on the screen to write down */ });
    });
  }
}());
