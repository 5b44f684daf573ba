// Lesson players: adaptive HLS video (hls.js, or the browser's own HLS on Safari and iOS, else the
// progressive MP4 already in the markup) and audio with a click-to-seek waveform.
// URLs come from data- attributes; there are no inline scripts.
(function () {
  "use strict";

  // Segments come from signed, expiring links (/m/<token>/<expires>/<user>/<folder>/<file>)
  // that the master playlist hands out; nginx serves them without asking the app. When a link
  // has expired (410) or no longer holds (403), the player fetches the master again and
  // retries the request with the fresh link of the same folder, from where it stopped.
  var LINK = /\/m\/[A-Za-z0-9_-]{22}\/\d+\/\d+\/(.+\/)([^\/?#]+)$/;
  var LINKS_IN_TEXT = /\/m\/[A-Za-z0-9_-]{22}\/\d+\/\d+\/[^\s"]+/g;

  function signedLinks(masterUrl) {
    var fresh = {};  // folder -> the freshest signed prefix for it
    var pending = null;

    function renew() {
      if (pending) return pending;
      pending = fetch(masterUrl, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) throw new Error("master playlist: HTTP " + response.status);
          return response.text();
        })
        .then(function (text) {
          (text.match(LINKS_IN_TEXT) || []).forEach(function (link) {
            var found = LINK.exec(link);
            if (found) fresh[found[1]] = link.slice(0, link.length - found[2].length);
          });
        });
      var done = function () { pending = null; };
      pending.then(done, done);
      return pending;
    }

    function current(url) {
      var found = LINK.exec(url.split(/[?#]/)[0]);
      if (!found || !fresh[found[1]]) return url;
      var origin = url.slice(0, url.indexOf("/m/"));
      return origin + fresh[found[1]] + found[2];
    }

    return { renew: renew, current: current };
  }

  function isRefused(response) {
    var code = response && response.code;
    return code === 403 || code === 410;
  }

  function retryPolicy(links, retries, delay) {
    return {
      default: {
        maxTimeToFirstByteMs: 10000,
        maxLoadTimeMs: 120000,
        timeoutRetry: { maxNumRetry: 4, retryDelayMs: 0, maxRetryDelayMs: 0 },
        errorRetry: {
          maxNumRetry: retries,
          retryDelayMs: delay,
          maxRetryDelayMs: 8000,
          shouldRetry: function (config, count, isTimeout, response, retry) {
            if (!isRefused(response)) return retry;
            links.renew().catch(function () {});  // the retry then goes to the fresh link
            return count < 3;
          },
        },
      },
    };
  }

  function setUpVideo(video) {
    var hlsUrl = video.getAttribute("data-hls");
    if (!hlsUrl) return;
    if (window.Hls && window.Hls.isSupported()) {
      var links = signedLinks(hlsUrl);
      var hls = new window.Hls({
        capLevelToPlayerSize: true,
        enableWorker: true,
        // A minute ahead rides out a weak connection; more (hls.js would take up to ten
        // minutes of a low rung) is bandwidth spent on what a cadre who leaves never watches.
        maxMaxBufferLength: 60,
        fragLoadPolicy: retryPolicy(links, 6, 500),
        playlistLoadPolicy: retryPolicy(links, 3, 500),
        xhrSetup: function (xhr, url) {
          var renewed = links.current(url);
          if (renewed !== url) xhr.open("GET", renewed, true);
        },
      });
      hls.on(window.Hls.Events.ERROR, function (_event, data) {
        if (!data.fatal) return;
        if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR) {
          // Weak connection, or links refused past their retries: fresh links, then on
          // from where it stopped.
          var resume = function () { hls.startLoad(video.currentTime); };
          if (isRefused(data.response)) links.renew().then(resume, function () {});
          else resume();
        } else if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) {
          hls.recoverMediaError();
        } else {
          // Give up on HLS and play the progressive MP4 instead.
          hls.destroy();
          video.removeAttribute("src");
          video.load();
        }
      });
      hls.loadSource(hlsUrl);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = hlsUrl;  // Safari and iOS play HLS themselves
      // Their links may expire mid-lecture too: load the master again (fresh links) and go on.
      var reloads = 0;
      video.addEventListener("error", function () {
        if (video.src.indexOf(hlsUrl) === -1 || reloads >= 3) return;
        reloads += 1;
        var position = video.currentTime;
        video.src = hlsUrl;
        video.addEventListener("loadedmetadata", function () {
          video.currentTime = position;
          video.play().catch(function () {});
        }, { once: true });
      });
      video.addEventListener("playing", function () { reloads = 0; });
    }
    // Otherwise the <source> MP4 plays as it is.
  }

  function peaksOf(data) {
    var peaks = Array.isArray(data) ? data : (data && (data.peaks || data.data)) || [];
    var flat = [];
    peaks.forEach(function (value) {
      flat.push(Math.abs(Array.isArray(value) ? Math.max(Math.abs(value[0]), Math.abs(value[1])) : value));
    });
    var max = flat.reduce(function (a, b) { return Math.max(a, b); }, 0) || 1;
    return flat.map(function (value) { return value / max; });
  }

  function setUpWaveform(canvas, audio) {
    var url = canvas.getAttribute("data-waveform");
    var peaks = [];
    var context = canvas.getContext && canvas.getContext("2d");
    if (!url || !context) return;
    var style = window.getComputedStyle(canvas);
    var played = style.getPropertyValue("--wave-played") || "#a4221b";
    var rest = style.getPropertyValue("--wave-rest") || "#b9b9c0";

    function draw() {
      var width = canvas.width;
      var height = canvas.height;
      var middle = height / 2;
      var fraction = audio.duration ? audio.currentTime / audio.duration : 0;
      context.clearRect(0, 0, width, height);
      if (!peaks.length) return;
      var step = width / peaks.length;
      var barWidth = Math.max(1, step * 0.7);
      for (var i = 0; i < peaks.length; i += 1) {
        var x = i * step;
        var barHeight = Math.max(1, peaks[i] * (height - 4));
        context.fillStyle = x / width < fraction ? played.trim() : rest.trim();
        context.fillRect(x, middle - barHeight / 2, barWidth, barHeight);
      }
    }

    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        peaks = peaksOf(data);
        draw();
      })
      .catch(function () { canvas.hidden = true; });

    canvas.addEventListener("click", function (event) {
      if (!audio.duration) return;
      var box = canvas.getBoundingClientRect();
      var fraction = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      audio.currentTime = fraction * audio.duration;
      draw();
    });
    audio.addEventListener("timeupdate", draw);
    audio.addEventListener("loadedmetadata", draw);
  }

  Array.prototype.forEach.call(document.querySelectorAll("video.lesson-video"), setUpVideo);
  Array.prototype.forEach.call(document.querySelectorAll(".player-box"), function (box) {
    var audio = box.querySelector("audio.lesson-audio");
    var canvas = box.querySelector("canvas.waveform");
    if (audio && canvas) setUpWaveform(canvas, audio);
  });
})();
