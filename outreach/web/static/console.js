// Officer console: refresh the live parts of the page every 2 seconds without a reload (typed
// text and open forms are kept), announce new cases and borrower messages, count SMS segments.
(function () {
  "use strict";
  var live = document.getElementById("console-live");
  var baseTitle = document.title;
  var ids = Array.prototype.map.call(document.querySelectorAll("[data-poll]"), function (n) { return n.id; });
  var keys = {}; // last seen data-key of every [data-notify] element, by id
  Array.prototype.forEach.call(document.querySelectorAll("[data-notify]"), function (n) {
    keys[n.id] = n.getAttribute("data-key");
  });
  function tick() {
    fetch(window.location.pathname, { headers: { "X-Requested-With": "poll" }, credentials: "same-origin" })
      .then(function (r) {
        // Signed out (idle timeout, sign-out elsewhere): reload, which shows the sign-in page.
        if (r.status === 401) { window.location.reload(); throw new Error("signed out"); }
        if (!r.ok) throw new Error(String(r.status));
        return r.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        ids.forEach(function (id) {
          var cur = document.getElementById(id), fresh = doc.getElementById(id);
          if (cur && fresh && cur.innerHTML !== fresh.innerHTML) cur.innerHTML = fresh.innerHTML;
        });
        var said = [];
        Array.prototype.forEach.call(doc.querySelectorAll("[data-notify]"), function (n) {
          var key = n.getAttribute("data-key");
          if (n.id in keys && keys[n.id] !== key) said.push(n.getAttribute("data-text") || "New activity");
          keys[n.id] = key;
        });
        if (said.length) {
          if (live) live.textContent = said.join(". ");
          if (document.hidden) document.title = "● " + baseTitle;
        }
      }).catch(function () { /* offline or signed out for a moment: next tick */ });
  }
  if (ids.length) setInterval(tick, 2000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) document.title = baseTitle; });

  // SMS segments (GSM 03.38): 160/153 GSM-7 septets, 70/67 UCS-2 units; as outreach/sms_encoding.py.
  var GSM = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXT = "^{}\\[~]|€\f";
  function segments(text) {
    var gsm = true, units = 0, i, ch;
    for (i = 0; i < text.length; i++) {
      ch = text[i];
      if (GSM.indexOf(ch) >= 0) units += 1; else if (EXT.indexOf(ch) >= 0) units += 2; else { gsm = false; break; }
    }
    if (!gsm) units = text.length; // UTF-16 code units
    var single = gsm ? 160 : 70, multi = gsm ? 153 : 67;
    var count = units === 0 ? 0 : (units <= single ? 1 : Math.ceil(units / multi));
    return { encoding: gsm ? "GSM-7" : "UCS-2", units: units, count: count };
  }
  var box = document.querySelector("textarea[data-sms]");
  var out = document.getElementById("segments");
  if (box && out) {
    var show = function () {
      var s = segments(box.value);
      out.textContent = box.value.length + " characters · " + s.count + " SMS segment" + (s.count === 1 ? "" : "s") + " (" + s.encoding + ")";
    };
    box.addEventListener("input", show); show();
  }
})();
