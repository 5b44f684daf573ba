// Quiz attempt page: saves each answer as it changes (PUT to the quiz API) and counts down
// the server's remaining time. Without this script the form's Save and Submit buttons work.
(function () {
  "use strict";
  var form = document.querySelector("form[data-quiz-attempt]");
  if (!form) { return; }
  var api = form.getAttribute("data-api");
  var csrf = form.getAttribute("data-csrf");
  var statusBox = document.querySelector("[data-quiz-status]");
  var timerBox = document.querySelector("[data-quiz-timer]");
  var pending = {};      // question id -> true while a save is queued or in flight
  var timers = {};       // question id -> debounce timer of text answers
  var closed = false;

  function msg(name) { return form.getAttribute("data-msg-" + name) || ""; }
  function say(text) { if (statusBox) { statusBox.textContent = text; } }

  function answerOf(item) {
    var id = item.getAttribute("data-question");
    var kind = item.getAttribute("data-kind");
    if (kind === "fill_blank") {
      return { text: item.querySelector("input[type=text]").value };
    }
    var chosen = [];
    item.querySelectorAll("input[name=q" + id + "]:checked").forEach(function (input) {
      chosen.push(parseInt(input.value, 10));
    });
    return chosen;
  }

  function markSaved(item, text) {
    var note = item.querySelector("[data-saved-for]");
    if (note) { note.textContent = text; }
  }

  function save(item, attempt) {
    var id = item.getAttribute("data-question");
    pending[id] = true;
    markSaved(item, msg("saving"));
    return fetch(api + "/answers/" + id, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": csrf },
      body: JSON.stringify({ answer: answerOf(item) })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) {
          delete pending[id];
          markSaved(item, msg("saved"));
          say(msg("saved-q").replace("{n}", item.getAttribute("data-position")));
          return;
        }
        delete pending[id];
        var text = (body.error && body.error.message) || response.statusText;
        markSaved(item, text);
        say(text);
        if (response.status === 409) {   // closed or out of time: show the graded attempt
          closed = true;
          window.setTimeout(function () { window.location.reload(); }, 2500);
        }
      });
    }).catch(function () {
      markSaved(item, msg("failed"));
      say(msg("failed"));
      var next = Math.min(30000, 1000 * Math.pow(2, attempt || 0));
      window.setTimeout(function () { if (pending[id] && !closed) { save(item, (attempt || 0) + 1); } }, next);
    });
  }

  form.addEventListener("change", function (event) {
    var item = event.target.closest("[data-question]");
    if (item && !closed) {
      window.clearTimeout(timers[item.getAttribute("data-question")]);
      save(item, 0);
    }
  });
  form.addEventListener("input", function (event) {
    if (event.target.type !== "text") { return; }
    var item = event.target.closest("[data-question]");
    var id = item.getAttribute("data-question");
    pending[id] = true;
    window.clearTimeout(timers[id]);
    timers[id] = window.setTimeout(function () { if (!closed) { save(item, 0); } }, 800);
  });

  // Leaving while an answer is still on its way would lose it: ask the browser to warn.
  window.addEventListener("beforeunload", function (event) {
    if (Object.keys(pending).length && !closed) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // Submitting ends the attempt: ask first (the form posts every answer, saved or not).
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.hasAttribute("data-quiz-submit") && !closed &&
        !window.confirm(msg("confirm-submit"))) {
      event.preventDefault();
      return;
    }
    pending = {};  // the form carries every answer itself
  });

  // The countdown follows the server's remaining seconds, not the device clock's date.
  var remaining = parseInt(form.getAttribute("data-remaining"), 10);
  if (timerBox && !isNaN(remaining)) {
    var end = Date.now() + remaining * 1000;
    var tick = function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      timerBox.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      if (left === 0) {
        window.clearInterval(interval);
        if (!closed) {
          closed = true;
          say(msg("timeup"));
          fetch(api + "/submit", {
            method: "POST", credentials: "same-origin",
            headers: { "Accept": "application/json", "X-CSRFToken": csrf }
          }).finally(function () { window.location.reload(); });
        }
      }
    };
    var interval = window.setInterval(tick, 1000);
    tick();
  }
})();
