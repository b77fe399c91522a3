// Staff aspiration pages: ready answers fill the explanation, and the inbox's
// "select all". Progressive enhancement only: without this file the select of ready
// answers is resolved by the server, and cases are ticked one by one.
(function () {
  "use strict";
  var pickers = document.querySelectorAll(".template-picker");
  for (var i = 0; i < pickers.length; i += 1) {
    (function (picker) {
      var target = document.getElementById(picker.getAttribute("data-fills"));
      if (!target) { return; }
      var inserted = "";
      picker.addEventListener("change", function () {
        var option = picker.options[picker.selectedIndex];
        var text = option ? option.getAttribute("data-text") || "" : "";
        // Never overwrite what the officer typed, only a ready answer put there before.
        if (target.value.trim() === "" || target.value === inserted) {
          target.value = text;
          inserted = text;
        }
      });
    }(pickers[i]));
  }

  var all = document.getElementById("select-all");
  var bulk = document.getElementById("bulk-form");
  if (all && bulk) {
    all.parentNode.hidden = false;
    all.addEventListener("change", function () {
      var boxes = bulk.querySelectorAll("input[name=cases]");
      for (var j = 0; j < boxes.length; j += 1) { boxes[j].checked = all.checked; }
    });
  }
}());
