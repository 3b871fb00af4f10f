/* Settlement KPI charts (issue 17), with the app's own copy of Chart.js. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kpi-data").textContent).resolutions;
  var base = { animation: false, responsive: true, maintainAspectRatio: false };

  function chart(id, config) {
    var canvas = document.getElementById(id);
    config.options = Object.assign({}, base, config.options || {});
    new window.Chart(canvas, config);
    canvas.dataset.rendered = "true";
  }

  chart("chart-settlements", {
    type: "bar",
    data: {
      labels: ["offers made", "accepted", "paid", "expired"],
      datasets: [{ label: "settlements", backgroundColor: "#0b5cad",
                   data: [data.offers_made, data.accepted, data.paid, data.expired] }]
    }
  });
  var deciders = ["bot", "officer", "supervisor"];
  chart("chart-settlements-decided", {
    type: "bar",
    data: {
      labels: deciders,
      datasets: [{ label: "accepted settlements", backgroundColor: "#067647",
                   data: deciders.map(function (d) { return data.by.decided_by[d] || 0; }) }]
    }
  });
})();
