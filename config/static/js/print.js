// A button with data-print opens the browser's print dialog (the page's print stylesheet lays it out). A script
// file rather than an onclick attribute: the Content-Security-Policy refuses inline script.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
})();
