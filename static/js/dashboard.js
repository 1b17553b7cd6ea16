// O2R — the dashboard's charts, drawn with Chart.js (static/vendor/chartjs-*, loaded before this
// file) from data that the template writes with `json_script`. Each
// <canvas class="o2r-chart" data-chart-source="ID"> reads <script type="application/json" id="ID">:
//   {"type": "bar" | "line" | "funnel", "labels": [...],
//    "datasets": [{"label": ..., "data": [number or null...]}],
//    "horizontal": bool, "stacked": bool, "unit": "" | "%" | " j"}
// A chart only repeats the table beside it: when Chart.js or the data is missing, the table stays
// alone. <body data-charts-drawn> tells how many charts are drawn (the browser tests wait for it).
"use strict";

(function () {
  // Okabe–Ito: told apart with every common colour-vision deficiency. Yellow last: pale on white.
  const PALETTE = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442",
  ];
  // Lines differ by their points as well, not by colour alone (nor in black-and-white print).
  const POINT_STYLES = ["circle", "rect", "triangle", "rectRot", "crossRot", "star"];
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function formatNumber(value, unit) {
    return value === null || value === undefined ? "—" : value.toLocaleString("fr-FR") + unit;
  }

  // A funnel's steps: one blue from dark (the first step) to light (the last), all seen on white.
  function funnelColours(count) {
    return Array.from({ length: count }, (_, i) => {
      const lightness = count > 1 ? 15 + (30 * i) / (count - 1) : 30;
      return `hsl(205, 100%, ${lightness}%)`;
    });
  }

  function chartConfig(spec) {
    // French typography, as Intl writes it: a narrow no-break space before "%".
    const unit = spec.unit === "%" ? "\u202f%" : spec.unit || "";
    const funnel = spec.type === "funnel";
    const horizontal = funnel || (spec.type === "bar" && Boolean(spec.horizontal));
    const stacked = spec.type === "bar" && Boolean(spec.stacked);
    const valueAxis = horizontal ? "x" : "y";
    const datasets = (funnel ? spec.datasets.slice(0, 1) : spec.datasets).map((dataset, i) => {
      const colour = funnel ? funnelColours(spec.labels.length) : PALETTE[i % PALETTE.length];
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: colour,
        borderColor: colour,
        pointStyle: POINT_STYLES[i % POINT_STYLES.length],
        pointRadius: 4,
      };
    });
    const scales = { x: { stacked: stacked }, y: { stacked: stacked } };
    scales[valueAxis].beginAtZero = true;
    scales[valueAxis].ticks = { callback: (value) => formatNumber(value, unit) };
    const options = {
      indexAxis: horizontal ? "y" : "x",
      maintainAspectRatio: false, // the box's height comes from the CSS (.o2r-chart-box)
      locale: "fr-FR",
      // The tooltip lists every value of the month, or of the bar's group or stack.
      interaction: { mode: "index", intersect: false },
      scales: scales,
      plugins: {
        legend: { display: !funnel, labels: { usePointStyle: spec.type === "line" } },
        tooltip: {
          callbacks: {
            label: (context) =>
              (context.dataset.label ? context.dataset.label + " : " : "") +
              formatNumber(context.parsed[valueAxis], unit),
          },
        },
      },
    };
    if (reducedMotion) {
      options.animation = false;
    }
    return {
      type: funnel ? "bar" : spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: options,
    };
  }

  // Draws the canvas's chart unless it is already there; true when the canvas holds a chart.
  function draw(canvas) {
    if (Chart.getChart(canvas)) {
      return true;
    }
    const sourceId = canvas.dataset.chartSource;
    try {
      new Chart(canvas, chartConfig(JSON.parse(document.getElementById(sourceId).textContent)));
      return true;
    } catch (error) {
      console.warn(`O2R: chart "${sourceId}" not drawn, its table stays alone.`, error);
      const chart = Chart.getChart(canvas);
      if (chart) {
        chart.destroy();
      }
      (canvas.closest(".o2r-chart-box") || canvas).hidden = true;
      return false;
    }
  }

  function drawAll() {
    const canvases = Array.from(document.querySelectorAll("canvas.o2r-chart"));
    if (typeof Chart === "undefined") {
      console.warn("O2R: Chart.js is not loaded, the dashboard shows its tables only.");
      canvases.forEach((canvas) => {
        (canvas.closest(".o2r-chart-box") || canvas).hidden = true;
      });
      document.body.dataset.chartsDrawn = "0";
      return;
    }
    // Charts whose canvas an htmx swap took away are destroyed.
    Object.values(Chart.instances).forEach((chart) => {
      if (!chart.canvas.isConnected) {
        chart.destroy();
      }
    });
    document.body.dataset.chartsDrawn = String(canvases.filter(draw).length);
  }

  // Printing: each chart is redrawn at the paper's size, complete (an animation cut half-way would
  // print half-drawn bars), then again at the screen's. Animations stay off afterwards.
  function fitPage() {
    if (typeof Chart === "undefined") {
      return;
    }
    Object.values(Chart.instances).forEach((chart) => {
      chart.stop();
      chart.options.animation = false;
      chart.resize();
      chart.update("none");
    });
  }

  drawAll();
  document.addEventListener("htmx:load", drawAll);
  window.addEventListener("beforeprint", fitPage);
  window.addEventListener("afterprint", fitPage);
  // Chromium lays the page out on paper only after "beforeprint": this is when the sizes are known.
  window.matchMedia("print").addEventListener("change", fitPage);
})();
