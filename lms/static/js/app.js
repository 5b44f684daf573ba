// Small progressive enhancements; every page works without this script.
(function () {
  "use strict";
  // Phones: the header's menu folds behind one button (a disclosure: Escape closes it).
  var toggle = document.querySelector(".menu-toggle");
  var nav = document.getElementById("main-nav");
  if (toggle && nav) {
    var setOpen = function (open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("open", open);
    };
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("open")) {
        setOpen(false);
        toggle.focus();
      }
    });
  }
  // Folded filters (the course menu) stay folded on a phone and open for good on a wide screen.
  document.querySelectorAll("details[data-open-when-wide]").forEach(function (details) {
    if (window.matchMedia("(min-width: 641px)").matches) {
      details.open = true;
      details.classList.add("always-open");
    }
  });
  // Destructive actions ask first: forms with data-confirm show the question.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // A table wider than its box scrolls inside it: make that box reachable by keyboard (arrow
  // keys scroll it) and name it after its table, as WCAG asks of scrollable regions.
  var markScrollable = function () {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        var caption = box.querySelector("caption");
        var heading = box.closest("section") && box.closest("section").querySelector("h2, h3");
        var name = (caption || heading || document.querySelector("h1") || {}).textContent;
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        if (name) {
          box.setAttribute("aria-label", name.trim());
        }
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  };
  markScrollable();
  window.addEventListener("resize", markScrollable);
  // Print buttons (the printable lists): the browser's print dialog.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      window.print();
    }
  });
})();
