// The recipient's signature with a finger on a canvas (aid hand-out, online and
// offline). kamtibmasSignaturePad(canvas) gives {clear, signed, dataUrl}. A canvas
// with data-signature-input="NAME" inside a form is bound here: the pad is shown
// (it is hidden without JavaScript), and on submit a drawn signature goes into the
// form's hidden input NAME as a PNG data URL.
(function () {
  "use strict";
  function pad(canvas) {
    var ink = canvas.getContext("2d");
    var drawing = false;
    var signed = false;
    function clear() {
      ink.fillStyle = "#fff";
      ink.fillRect(0, 0, canvas.width, canvas.height);
      signed = false;
    }
    function point(event) {
      var box = canvas.getBoundingClientRect();
      return [(event.clientX - box.left) * canvas.width / box.width,
        (event.clientY - box.top) * canvas.height / box.height];
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var p = point(event);
      ink.beginPath();
      ink.moveTo(p[0], p[1]);
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var p = point(event);
      ink.lineWidth = 3;
      ink.lineCap = "round";
      ink.strokeStyle = "#111";
      ink.lineTo(p[0], p[1]);
      ink.stroke();
      signed = true;
    });
    ["pointerup", "pointercancel"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });
    clear();
    return {
      clear: clear,
      signed: function () { return signed; },
      dataUrl: function () { return canvas.toDataURL("image/png"); }
    };
  }
  window.kamtibmasSignaturePad = pad;
  document.querySelectorAll("canvas[data-signature-input]").forEach(function (canvas) {
    var form = canvas.closest("form");
    var input = form && form.elements[canvas.dataset.signatureInput];
    if (!input) { return; }
    var signature = pad(canvas);
    canvas.hidden = false;
    var clearButton = document.getElementById(canvas.dataset.signatureClear || "");
    if (clearButton) {
      clearButton.hidden = false;
      clearButton.addEventListener("click", signature.clear);
    }
    form.addEventListener("submit", function () {
      input.value = signature.signed() ? signature.dataUrl() : "";
    });
  });
}());
