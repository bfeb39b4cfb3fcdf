// The trends page's charts, drawn with the vendored Chart.js from the JSON the page embeds
// (<script type="application/json" id="trends-data">): no inline script, no request.
// When every chart is drawn, <main> gets data-charts-drawn="<how many>" (tests wait for it).
(function () {
  "use strict";

  var PALETTE = ["#1f5fbf", "#b42318", "#067647", "#b54708", "#6941c6", "#0e7090",
                 "#c11574", "#4e5ba6", "#667085"];

  function readData() {
    var node = document.getElementById("trends-data");
    return node ? JSON.parse(node.textContent) : null;
  }

  function canvas(id) {
    return document.getElementById(id);
  }

  function categoryChart(histogram) {
    var target = canvas("chart-categories");
    if (!target || !histogram.labels.length) return null;
    return new Chart(target, {
      type: "bar",
      data: {
        labels: histogram.labels,
        datasets: histogram.series.map(function (series, i) {
          return { label: series.category, data: series.counts,
                   backgroundColor: PALETTE[i % PALETTE.length] };
        })
      },
      options: {
        animation: false, maintainAspectRatio: false,
        scales: { x: { stacked: true, title: { display: true, text: histogram.interval + " starting" } },
                  y: { stacked: true, beginAtZero: true, ticks: { precision: 0 },
                       title: { display: true, text: "new listings" } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  function priceChart(prices) {
    var target = canvas("chart-prices");
    if (!target || !prices.models.length) return null;
    // one row per model, every label shown: the box grows with the number of models
    target.parentNode.style.height = Math.max(240, 60 + 26 * prices.models.length) + "px";
    var labels = prices.models.map(function (row) {
      return row.model + (row.category === "firearm" ? "" : " (" + row.category.replace("_", " ") + ")");
    });
    return new Chart(target, {
      data: {
        labels: labels,
        datasets: [
          { type: "bar", label: "lowest to highest", backgroundColor: "rgba(31, 95, 191, 0.25)",
            borderColor: "#1f5fbf", borderWidth: 1,
            data: prices.models.map(function (row) { return [row.min, row.max]; }) },
          { type: "line", label: "median", showLine: false, pointRadius: 5, pointStyle: "rectRot",
            backgroundColor: "#b42318", borderColor: "#b42318",
            data: prices.models.map(function (row) { return row.median; }) }
        ]
      },
      options: {
        animation: false, maintainAspectRatio: false, indexAxis: "y",
        scales: { x: { beginAtZero: true, title: { display: true, text: "USD" } },
                  y: { ticks: { autoSkip: false } } },
        plugins: { legend: { position: "bottom" },
                   tooltip: { callbacks: { label: priceLabel(prices.models) } } }
      }
    });
  }

  function priceLabel(models) {
    return function (item) {
      var row = models[item.dataIndex];
      if (item.datasetIndex === 1) return "median " + row.median + " USD";
      return row.min + " to " + row.max + " USD over " + row.listings + " listings";
    };
  }

  function flowChart(routes) {
    var target = canvas("chart-flows");
    if (!target || !routes.flows.length || !Chart.registry.controllers.get("sankey")) return null;
    // origins and destinations are separate nodes (DE -> DE is a flow, not a loop)
    var labels = {};
    var data = routes.flows.map(function (flow) {
      var from = "from:" + flow.from, to = "to:" + flow.to;
      labels[from] = flow.from;
      labels[to] = flow.to === "WW" ? "worldwide" : flow.to;
      return { from: from, to: to, flow: flow.listings };
    });
    var colours = {};
    Object.keys(labels).forEach(function (key, i) { colours[key] = PALETTE[i % PALETTE.length]; });
    return new Chart(target, {
      type: "sankey",
      data: { datasets: [{
        label: "listings", data: data, labels: labels, size: "max",
        colorFrom: function (c) { return colours[c.dataset.data[c.dataIndex].from]; },
        colorTo: function (c) { return colours[c.dataset.data[c.dataIndex].to]; },
        colorMode: "gradient"
      }] },
      options: { animation: false, maintainAspectRatio: false }
    });
  }

  function draw() {
    var data = readData();
    var main = document.querySelector("main");
    if (!data || !window.Chart) {
      if (main) main.dataset.chartsDrawn = "error";
      return;
    }
    var charts = [categoryChart(data.histogram), priceChart(data.prices), flowChart(data.routes)];
    main.dataset.chartsDrawn = String(charts.filter(Boolean).length);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
