// Refreshes the #messages panel every 2 seconds without reloading the page (keeps typed text).
(function () {
  const panel = document.getElementById("messages");
  if (!panel) return;
  setInterval(async () => {
    try {
      const resp = await fetch(window.location.pathname, { headers: { "X-Requested-With": "poll" } });
      if (!resp.ok) return;
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      const fresh = doc.getElementById("messages");
      if (fresh && fresh.innerHTML !== panel.innerHTML) panel.innerHTML = fresh.innerHTML;
    } catch (e) { /* offline for a moment: try again next tick */ }
  }, 2000);
})();
