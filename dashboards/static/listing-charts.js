// The listing and actor pages' charts: each <canvas data-chart="ID"> is drawn from the JSON in
// <script type="application/json" id="ID">, {labels, series: [{label, data}], kind?, stacked?}.
// No inline script: the pages keep a strict Content-Security-Policy possible.
(function () {
  "use strict";
  if (!window.Chart) return;
  const colours = ["#1f5fbf", "#b54708", "#067647", "#b42318", "#6941c6", "#667085"];
  for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) continue;
    const data = JSON.parse(source.textContent);
    const kind = data.kind || "line";
    const datasets = data.series.map((series, i) => ({
      label: series.label,
      data: series.data,
      borderColor: colours[i % colours.length],
      backgroundColor: colours[i % colours.length],
      stepped: kind === "line" ? "before" : false,
    }));
    new window.Chart(canvas, {
      type: kind,
      data: { labels: data.labels, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { stacked: Boolean(data.stacked) },
          y: { stacked: Boolean(data.stacked), beginAtZero: kind === "bar" },
        },
      },
    });
    canvas.dataset.drawn = "true";
  }
})();
