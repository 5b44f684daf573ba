// Lesson players: adaptive HLS video (hls.js, or the browser's own HLS on Safari and iOS, else the
// progressive MP4 already in the markup) and audio with a click-to-seek waveform.
// URLs come from data- attributes; there are no inline scripts.
(function () {
  "use strict";

  function setUpVideo(video) {
    var hlsUrl = video.getAttribute("data-hls");
    if (!hlsUrl) return;
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls({ capLevelToPlayerSize: true, enableWorker: true });
      hls.on(window.Hls.Events.ERROR, function (_event, data) {
        if (!data.fatal) return;
        if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR) {
          hls.startLoad();  // weak connection: try again from where it stopped
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
