// Draws every <canvas data-chart> with Chart.js (vendor/chartjs), reading its configuration
// from a <script type="application/json"> next to it (or the element named by data-chart).
// The configuration is Chart.js's own ({type, data, options}); colours are filled in from
// the Okabe-Ito palette, which stays distinguishable with every common colour-vision
// deficiency. Pages keep a table alternative: without this script nothing is lost.
(function () {
  "use strict";

  // Okabe & Ito (2008), ordered so neighbouring series contrast most.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"];
  var PER_POINT = { pie: true, doughnut: true, polarArea: true };

  function withAlpha(hex, alpha) {
    var value = parseInt(hex.slice(1), 16);
    return "rgba(" + (value >> 16) + "," + ((value >> 8) & 255) + "," + (value & 255) + "," + alpha + ")";
  }

  function colour(config) {
    var datasets = (config.data && config.data.datasets) || [];
    datasets.forEach(function (dataset, index) {
      var type = dataset.type || config.type;
      if (PER_POINT[type]) {
        if (!dataset.backgroundColor) {
          dataset.backgroundColor = (dataset.data || []).map(function (_value, i) {
            return PALETTE[i % PALETTE.length];
          });
        }
        return;
      }
      var base = dataset.color || PALETTE[index % PALETTE.length];
      delete dataset.color;
      if (!dataset.borderColor) dataset.borderColor = base;
      if (!dataset.backgroundColor) {
        dataset.backgroundColor = type === "line" ? withAlpha(base, 0.2) : base;
      }
    });
    return config;
  }

  function findConfig(canvas) {
    var id = canvas.getAttribute("data-chart");
    var source = id ? document.getElementById(id) : canvas.nextElementSibling;
    if (!source || source.type !== "application/json") return null;
    try {
      return JSON.parse(source.textContent);
    } catch (error) {
      return null;
    }
  }

  function setDefaults(Chart) {
    var style = getComputedStyle(document.body);
    Chart.defaults.font.family = style.fontFamily;
    Chart.defaults.font.size = 15;
    Chart.defaults.color = style.color;
    Chart.defaults.maintainAspectRatio = false; // the .chart-box sets the height
    if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
      Chart.defaults.animation = false;
    }
  }

  function drawAll() {
    var Chart = window.Chart;
    if (!Chart) return;
    setDefaults(Chart);
    var canvases = document.querySelectorAll("canvas[data-chart]");
    Array.prototype.forEach.call(canvases, function (canvas) {
      var config = findConfig(canvas);
      if (!config) {
        canvas.hidden = true; // the table alternative remains
        return;
      }
      config.options = config.options || {};
      config.options.locale = config.options.locale || document.documentElement.lang || undefined;
      canvas.chart = new Chart(canvas, colour(config));
      canvas.setAttribute("data-chart-ready", "");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
