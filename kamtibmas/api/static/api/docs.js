// Starts Swagger UI on /api/v1/docs. Its settings come from a data attribute, not an
// inline script, so the page obeys the site's Content-Security-Policy ('self' only).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var settings = JSON.parse(root.dataset.settings);
  settings.dom_id = "#swagger-ui";
  settings.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  window.ui = SwaggerUIBundle(settings);
})();
