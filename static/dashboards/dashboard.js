// The dashboards page's trend charts (Chart.js, vendored). The figures are in the HTML already; this only
// draws each card's trend from the json_script element "dashboard-charts" (the CSP forbids inline
// scripts): {"labels": [period labels, oldest first], "series": {"<chart id>": [values or null]}}.
(function () {
  "use strict";

  function read(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function draw() {
    var data = read("dashboard-charts");
    if (!data || typeof window.Chart === "undefined") {
      return;
    }
    var canvases = document.querySelectorAll("canvas[data-chart]");
    Array.prototype.forEach.call(canvases, function (canvas) {
      var values = data.series[canvas.getAttribute("data-chart")];
      if (!values) {
        return;
      }
      var last = values.length - 1;
      new window.Chart(canvas, {
        type: "line",
        data: {
          labels: data.labels,
          datasets: [
            {
              label: canvas.getAttribute("data-label"),
              data: values,
              borderColor: "#1f6feb",
              backgroundColor: "rgba(31, 111, 235, 0.12)",
              fill: true,
              tension: 0.25,
              spanGaps: true,
              borderWidth: 2,
              pointRadius: values.map(function (_value, index) {
                return index === last ? 3 : 0;
              }),
            },
          ],
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: false } },
          scales: {
            x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 4, font: { size: 10 } }, grid: { display: false } },
            y: { beginAtZero: true, ticks: { maxTicksLimit: 3, font: { size: 10 } } },
          },
        },
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
