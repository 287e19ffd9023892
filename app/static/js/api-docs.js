// Starts Swagger UI on /api/docs (served from the installed fastapi-offline package, no CDN).
// A file rather than an inline script, so the page's policy allows scripts from 'self' only.
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    layout: "BaseLayout",
    presets: [window.SwaggerUIBundle.presets.apis],
  });
})();
