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
      // A demo M-Pesa prompt that appeared or went (compared by prompt ids: a PIN being typed stays).
      const prompts = document.getElementById("mpesa-prompts");
      const freshPrompts = doc.getElementById("mpesa-prompts");
      if (prompts && freshPrompts && prompts.dataset.key !== freshPrompts.dataset.key) {
        prompts.replaceWith(freshPrompts);
      }
    } catch (e) { /* offline for a moment: try again next tick */ }
  }, 2000);
})();
