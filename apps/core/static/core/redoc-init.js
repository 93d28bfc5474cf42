/* Starts Redoc from data attributes (no inline script: the Content-Security-Policy forbids it). */
(function () {
  "use strict";
  var container = document.getElementById("redoc-container");
  var settings = {};
  try {
    settings = JSON.parse(container.getAttribute("data-settings") || "{}");
  } catch (e) {
    settings = {};
  }
  window.Redoc.init(container.getAttribute("data-spec-url"), settings, container);
})();
