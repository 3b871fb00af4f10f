/* KPI charts, drawn with the app's own copy of Chart.js (static/vendor/chartjs). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kpi-data").textContent);
  var colours = { sent: "#0b5cad", delivered: "#067647", failed: "#b42318", blocked: "#b54708" };
  var base = { animation: false, responsive: true, maintainAspectRatio: false };

  function chart(id, config) {
    var canvas = document.getElementById(id);
    config.options = Object.assign({}, base, config.options || {});
    new window.Chart(canvas, config);
    canvas.dataset.rendered = "true";
  }

  var days = data.messages.daily;
  chart("chart-daily", {
    type: "line",
    data: {
      labels: days.map(function (d) { return d.day; }),
      datasets: ["sent", "delivered", "failed"].map(function (k) {
        return { label: k, data: days.map(function (d) { return d[k]; }), borderColor: colours[k],
                 backgroundColor: colours[k] };
      })
    }
  });

  var channels = Object.keys(data.messages.by_channel);
  chart("chart-channels", {
    type: "bar",
    data: {
      labels: channels,
      datasets: ["sent", "delivered", "failed", "blocked"].map(function (k) {
        return { label: k, backgroundColor: colours[k],
                 data: channels.map(function (c) { return data.messages.by_channel[c][k]; }) };
      })
    }
  });

  var reasons = Object.keys(data.blocked_by_rule);
  chart("chart-blocked", {
    type: "bar",
    data: { labels: reasons, datasets: [{ label: "blocked messages", backgroundColor: colours.blocked,
            data: reasons.map(function (r) { return data.blocked_by_rule[r]; }) }] },
    options: { indexAxis: "y" }
  });

  chart("chart-arrangements", {
    type: "bar",
    data: {
      labels: ["promises made", "promises kept", "promises broken", "plans accepted",
               "plans current", "plans broken"],
      datasets: [{ label: "count", backgroundColor: "#0b5cad", data: [
        data.promises.made, data.promises.kept, data.promises.broken,
        data.plans.accepted, data.plans.current, data.plans.broken] }]
    }
  });

  // Amounts collected through the product: one dataset per currency (never added together).
  var palette = ["#0b5cad", "#067647", "#b54708", "#6941c6", "#b42318"];
  function collected(id, table) {
    var keys = Object.keys(table);
    var currencies = [];
    keys.forEach(function (k) {
      Object.keys(table[k]).forEach(function (c) { if (currencies.indexOf(c) < 0) { currencies.push(c); } });
    });
    chart(id, {
      type: "bar",
      data: {
        labels: keys,
        datasets: currencies.map(function (c, i) {
          return { label: c, backgroundColor: palette[i % palette.length],
                   data: keys.map(function (k) { return Number(table[k][c] || 0); }) };
        })
      }
    });
  }
  collected("chart-collected-provider", data.through_product.collected.by_provider);
  collected("chart-collected-channel", data.through_product.collected.by_channel);

  var wait = data.through_product.reminder_to_payment;
  function hours(s) { return s === null ? null : Math.round(s / 36) / 100; }
  chart("chart-reminder-wait", {
    type: "bar",
    data: { labels: ["median", "90th percentile"],
            datasets: [{ label: "hours from the last reminder", backgroundColor: "#0b5cad",
                         data: [hours(wait.median_seconds), hours(wait.p90_seconds)] }] }
  });
})();
