// Small progressive enhancements; every page works without this script.
(function () {
  "use strict";
  // Destructive actions ask first: forms with data-confirm show the question.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // Print buttons (the printable lists): the browser's print dialog.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      window.print();
    }
  });
})();
