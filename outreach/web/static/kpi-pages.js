/* Officer and portfolio KPI charts, drawn with the app's own copy of Chart.js. */
(function () {
  "use strict";
  var base = { animation: false, responsive: true, maintainAspectRatio: false };
  var palette = ["#0b5cad", "#067647", "#b54708", "#6941c6", "#b42318"];

  function chart(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    config.options = Object.assign({}, base, config.options || {});
    new window.Chart(canvas, config);
    canvas.dataset.rendered = "true";
  }

  var officers = document.getElementById("officer-kpi-data");
  if (officers) {
    var o = JSON.parse(officers.textContent);
    var names = o.officers.map(function (x) { return x.name; });
    chart("chart-officer-work", { type: "bar", data: { labels: names, datasets: [
      { label: "cases", backgroundColor: palette[0], data: o.officers.map(function (x) { return x.cases; }) },
      { label: "promises", backgroundColor: palette[1], data: o.officers.map(function (x) { return x.promises; }) }
    ] } });
    chart("chart-officer-recovered", { type: "bar", data: { labels: names, datasets: [
      { label: "recovered", backgroundColor: palette[1], data: o.officers.map(function (x) { return Number(x.recovered); }) }
    ] } });
    chart("chart-officer-response", { type: "bar", data: { labels: names, datasets: [
      { label: "minutes", backgroundColor: palette[2], data: o.officers.map(function (x) {
        return x.first_response_seconds === null ? 0 : x.first_response_seconds / 60; }) }
    ] } });
    if (o.officers.length) {
      var me = o.officers[0];
      chart("chart-officer-own", { type: "bar", data: { labels: ["obtained", "kept", "broken"], datasets: [
        { label: "promises", backgroundColor: palette[0], data: [me.promises, me.promises_kept, me.promises_broken] }
      ] } });
    }
  }

  var folio = document.getElementById("portfolio-kpi-data");
  if (folio) {
    var p = JSON.parse(folio.textContent);
    var buckets = Object.keys(p.buckets);
    chart("chart-buckets", { type: "bar", data: { labels: buckets, datasets: [
      { label: "loans", backgroundColor: palette[0], data: buckets.map(function (b) { return p.buckets[b]; }) }
    ] } });
    chart("chart-rolls", { type: "line", data: {
      labels: p.roll_rates.map(function (r) { return r.month; }),
      datasets: buckets.map(function (b, i) {
        return { label: b, borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length],
                 data: p.roll_rates.map(function (r) { var v = r.roll_forward[b]; return v === null ? null : v * 100; }) };
      })
    } });
    var cost = p.cost[folio.dataset.currency] || { by_channel: {} };
    var channels = Object.keys(cost.by_channel);
    chart("chart-cost", { type: "bar", data: { labels: channels, datasets: [
      { label: "cost (" + folio.dataset.currency + ")", backgroundColor: palette[2],
        data: channels.map(function (c) { return Number(cost.by_channel[c].cost); }) }
    ] } });
  }
})();
