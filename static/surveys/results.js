// The results page's charts (Chart.js, vendored): the data comes from json_script elements,
// since the CSP forbids inline scripts.
(function () {
  "use strict";
  function read(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }
  function draw() {
    var data = read("survey-charts");
    var text = read("survey-chart-text") || {};
    if (!data || typeof window.Chart === "undefined") {
      return;
    }
    var dimensions = document.getElementById("chart-dimensions");
    if (dimensions) {
      var sets = [{ label: text.current, data: data.dimensions.current, backgroundColor: "#1f6feb" }];
      if (data.has_previous) {
        sets.push({ label: text.previous, data: data.dimensions.previous, backgroundColor: "#adb5bd" });
      }
      new window.Chart(dimensions, {
        type: "bar",
        data: { labels: data.dimensions.labels, datasets: sets },
        options: {
          indexAxis: "y",
          scales: { x: { min: 0, max: 100, title: { display: true, text: text.top_box } } },
          plugins: { legend: { position: "bottom" } },
        },
      });
    }
    var recommend = document.getElementById("chart-recommend");
    if (recommend) {
      var colours = data.recommend.labels.map(function (label) {
        var score = Number(label);
        return score >= 9 ? "#2da44e" : score >= 7 ? "#adb5bd" : "#cf222e";
      });
      new window.Chart(recommend, {
        type: "bar",
        data: {
          labels: data.recommend.labels,
          datasets: [{ label: text.answers, data: data.recommend.counts, backgroundColor: colours }],
        },
        options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
      });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
