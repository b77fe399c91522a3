// The check-in QR held up at a venue: a full-screen button and a screen that stays on.
// Progressive enhancement only: without this file the QR page works as it is.
(function () {
  "use strict";
  var stage = document.getElementById("qr-stage");
  var button = document.getElementById("qr-fullscreen");
  if (!stage) { return; }

  if (button && document.fullscreenEnabled && stage.requestFullscreen) {
    button.hidden = false;
    button.addEventListener("click", function () {
      if (document.fullscreenElement) {
        document.exitFullscreen();
      } else {
        stage.requestFullscreen().catch(function () { /* refused: the page still works */ });
      }
    });
    // Held up at the venue, a tap on the code is the easiest way back.
    stage.addEventListener("click", function (event) {
      if (document.fullscreenElement === stage && event.target.tagName !== "A") {
        document.exitFullscreen();
      }
    });
  }

  // Keep the phone's screen on while the code is shown (where the browser allows it).
  var lock = null;
  function keepAwake() {
    if (!("wakeLock" in navigator) || document.visibilityState !== "visible") { return; }
    navigator.wakeLock.request("screen").then(function (sentinel) {
      lock = sentinel;
    }).catch(function () { lock = null; });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && lock === null) { keepAwake(); }
    if (document.visibilityState !== "visible") { lock = null; }
  });
  keepAwake();
}());
