// Progress bars and pace markers get their size from data-width-percent and data-left-percent: the
// Content-Security-Policy refuses inline style attributes, but lets this script set the same properties.
(function () {
  "use strict";
  var properties = { widthPercent: "width", leftPercent: "left" };

  function place(root) {
    var elements = Array.prototype.slice.call(root.querySelectorAll("[data-width-percent], [data-left-percent]"));
    if (root.matches && root.matches("[data-width-percent], [data-left-percent]")) {
      elements.push(root);
    }
    elements.forEach(function (element) {
      Object.keys(properties).forEach(function (key) {
        if (element.dataset[key] !== undefined) {
          element.style[properties[key]] = element.dataset[key] + "%";
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { place(document); });
  // Content htmx swaps in (a key result list opened, import progress polled) is placed as it arrives.
  document.addEventListener("htmx:load", function (event) { place(event.detail.elt); });
})();
