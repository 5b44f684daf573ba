// The lesson media page: resumable uploads with tus-js-client, and processing progress.
// Everything comes from data- attributes (no inline scripts, so a strict CSP can apply).
(function () {
  "use strict";

  var messages = document.getElementById("upload-messages");

  function message(name, values) {
    var text = (messages && messages.getAttribute("data-" + name)) || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("{" + key + "}").join(values[key]);
    });
    return text;
  }

  function formatBytes(bytes) {
    var units = ["B", "KB", "MB", "GB"];
    var value = bytes;
    var unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return (unit ? value.toFixed(1) : String(value)) + " " + units[unit];
  }

  function show(element, text) {
    if (!element) return;
    element.textContent = text || "";
    element.hidden = !text;
  }

  // The server answers errors as {"error": {"code", "message"}}; tus-js-client keeps the body.
  function reasonOf(error) {
    var response = error && error.originalResponse;
    if (response) {
      try {
        var body = JSON.parse(response.getBody());
        if (body && body.error && body.error.message) {
          return { message: body.error.message, status: response.getStatus() };
        }
      } catch (ignored) {
        // not JSON: fall through to the generic message
      }
      return { message: "HTTP " + response.getStatus(), status: response.getStatus() };
    }
    return { message: (error && error.message) || String(error), status: 0 };
  }

  function setUp(form) {
    var input = form.querySelector("input[type=file]");
    var startButton = form.querySelector("[data-start]");
    var pauseButton = form.querySelector("[data-pause]");
    var resumeButton = form.querySelector("[data-resume]");
    var progressRow = form.querySelector("[data-progress]");
    var progress = progressRow && progressRow.querySelector("progress");
    var progressText = progressRow && progressRow.querySelector("[data-progress-text]");
    var errorBox = form.querySelector("[data-error]");
    var messageBox = form.querySelector("[data-message]");
    var purpose = form.getAttribute("data-purpose");
    var lessonId = form.getAttribute("data-lesson-id");
    var upload = null;

    function setRunning(running) {
      startButton.disabled = running;
      input.disabled = running;
      if (pauseButton) pauseButton.hidden = !running;
      if (resumeButton) resumeButton.hidden = running || !upload;
    }

    function field(name) {
      var element = form.querySelector("[name=" + name + "]");
      return element ? element.value.trim() : "";
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      show(errorBox, "");
      show(messageBox, "");
      var file = input.files && input.files[0];
      if (!file) {
        show(errorBox, message("no-file"));
        return;
      }
      var metadata = { filename: file.name, filetype: file.type || "", lesson_id: lessonId, purpose: purpose };
      if (purpose === "caption") {
        metadata.language = field("language");
        metadata.label = field("label");
      }
      upload = new window.tus.Upload(file, {
        endpoint: form.getAttribute("data-endpoint"),
        // The session cookie authenticates; the CSRF token must come in this header.
        headers: { "X-CSRFToken": form.getAttribute("data-csrf") },
        metadata: metadata,
        // One request per chunk: a dropped connection costs at most one chunk.
        chunkSize: parseInt(form.getAttribute("data-chunk-size"), 10) || 16 * 1024 * 1024,
        retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
        // The same file for another lesson is another upload.
        fingerprint: function (f) {
          return Promise.resolve(
            ["lms", lessonId, purpose, f.name, f.type, f.size, f.lastModified].join("/")
          );
        },
        removeFingerprintOnSuccess: true,
        onProgress: function (sent, total) {
          var percent = total ? Math.floor((sent / total) * 100) : 100;
          if (progressRow) progressRow.hidden = false;
          if (progress) {
            progress.value = percent;
            progress.textContent = percent + "%";
          }
          show(progressText, message("progress", {
            sent: formatBytes(sent), total: formatBytes(total), percent: percent + "%"
          }));
        },
        onError: function (error) {
          var reason = reasonOf(error);
          setRunning(false);
          if (reason.status === 422 || reason.status === 413 || reason.status === 400) {
            // Refused by the server: resuming would not help; a new upload starts over.
            upload = null;
            if (resumeButton) resumeButton.hidden = true;
            show(errorBox, message("failed", { reason: reason.message }));
          } else {
            show(errorBox, message("stopped", { reason: reason.message }));
          }
        },
        onSuccess: function () {
          setRunning(false);
          if (resumeButton) resumeButton.hidden = true;
          show(messageBox, message(purpose === "caption" ? "done-caption" : "done-media"));
          window.setTimeout(function () { window.location.reload(); }, 1200);
        }
      });
      // A file sent partly before (this page or an earlier visit) continues where it stopped.
      upload.findPreviousUploads().then(function (previous) {
        if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
        setRunning(true);
        upload.start();
      });
    });

    if (pauseButton) {
      pauseButton.addEventListener("click", function () {
        if (!upload) return;
        upload.abort();
        setRunning(false);
        show(messageBox, message("paused"));
      });
    }
    if (resumeButton) {
      resumeButton.addEventListener("click", function () {
        if (!upload) return;
        show(errorBox, "");
        show(messageBox, "");
        setRunning(true);
        upload.start();
      });
    }
  }

  // While the latest upload is processed, poll its state every 2 s and show the percentage.
  function pollState(section) {
    var url = section.getAttribute("data-status-url");
    var interval = parseInt(section.getAttribute("data-poll"), 10) || 2000;
    var progress = section.querySelector("progress");
    var text = section.querySelector("[data-progress-text]");
    var noWorker = section.querySelector("[data-no-worker]");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (state) {
          var asset = state && state.asset;
          if (!asset) return window.setTimeout(tick, interval);
          if (asset.status !== "pending" && asset.status !== "processing") {
            window.location.reload();  // ready (shows the preview) or failed (shows Retry)
            return null;
          }
          if (noWorker) noWorker.hidden = state.worker_running !== false;
          var percent = Math.floor(asset.progress);
          if (progress) {
            progress.value = asset.progress;
            progress.textContent = percent + "%";
          }
          show(text, percent + "%");
          return window.setTimeout(tick, interval);
        })
        .catch(function () { window.setTimeout(tick, interval * 2); });
    }
    window.setTimeout(tick, interval);
  }

  if (window.tus && window.tus.isSupported) {
    Array.prototype.forEach.call(document.querySelectorAll("form.tus-upload"), setUp);
  }
  var state = document.getElementById("media-state");
  if (state && state.hasAttribute("data-poll")) pollState(state);
})();
