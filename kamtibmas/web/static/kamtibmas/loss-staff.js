// Staff loss-report form: show the identifying fields of the ticked documents only.
// Progressive enhancement: without this file every document's fields are shown,
// grouped under its tick box. Fields of an unticked document are disabled while
// hidden, so nothing typed there earlier is sent; a group the server marked invalid
// stays open so its message is seen.
(function () {
  "use strict";
  var groups = document.querySelectorAll("[data-loss-item]");
  for (var i = 0; i < groups.length; i += 1) {
    (function (group) {
      var tick = group.querySelector("input[type=checkbox]");
      var fields = group.querySelector(".loss-item__fields");
      if (!tick || !fields) { return; }
      var inputs = fields.querySelectorAll("input, select, textarea");
      function update() {
        var shown = tick.checked || group.classList.contains("loss-item--invalid");
        fields.hidden = !shown;
        for (var j = 0; j < inputs.length; j += 1) { inputs[j].disabled = !shown; }
        if (tick.checked) { group.classList.remove("loss-item--invalid"); }
      }
      tick.addEventListener("change", update);
      update();
    }(groups[i]));
  }
}());
