/* Outreach web chat widget: one script tag, no dependencies, no third-party requests.
 *
 *   <script src="https://lender.example/chat/widget.js" data-lang="es" defer></script>
 *
 * Optional attributes: data-lang (en|es|sw|fil|hi|hi-Latn), data-link (a signed self-service token), data-open.
 * The conversation key lives in localStorage, so a reload keeps the conversation. Borrower and
 * officer text is inserted with textContent only: nothing from the server is parsed as HTML.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__outreachChat) return;
  window.__outreachChat = true;
  var base = script.src.replace(/\/chat\/widget\.js.*$/, "");
  // "hi-Latn" / "hi_Latn" is romanized Hindi; "tl" is Filipino's old code; else the first subtag.
  var asked = (script.getAttribute("data-lang") || document.documentElement.lang || "en").replace(/-/g, "_");
  var parts = asked.split("_"), first = parts[0].toLowerCase();
  var lang = first === "hi" && parts.length > 1 && parts[1].toLowerCase() === "latn" ? "hi_Latn"
    : (first === "tl" ? "fil" : first);
  var T = {
    en: { open: "Chat with us", title: "Account help", close: "Close chat", label: "Your message",
      send: "Send", you: "You", bot: "Assistant", officer: "Officer", sending: "Sending…",
      failed: "Not sent. Check your connection and try again.", busy: "Too many messages. Please wait a moment.",
      welcome: "Hi! Ask about your balance, a payment plan, or type \"agent\" to talk to a person.",
      expired: "This link has expired. You can still chat; we will ask a few questions to find your account.",
      settled: "Your account is paid up: there is nothing left to pay. You can still ask us anything here.",
      loan: "Loan number (optional)", find: "Find my account", found: "Thanks. The assistant will ask you to confirm your identity.",
      log: "Conversation", newmsg: "New message" },
    es: { open: "Chatee con nosotros", title: "Ayuda con su cuenta", close: "Cerrar chat", label: "Su mensaje",
      send: "Enviar", you: "Usted", bot: "Asistente", officer: "Agente", sending: "Enviando…",
      failed: "No se envió. Revise su conexión e inténtelo de nuevo.", busy: "Demasiados mensajes. Espere un momento.",
      welcome: "¡Hola! Pregunte por su saldo, un plan de pagos, o escriba \"agente\" para hablar con una persona.",
      expired: "Este enlace ha caducado. Puede seguir chateando; le haremos unas preguntas para encontrar su cuenta.",
      settled: "Su cuenta está al día: no tiene nada pendiente de pago. Puede preguntarnos lo que quiera aquí.",
      loan: "Número de préstamo (opcional)", find: "Buscar mi cuenta", found: "Gracias. El asistente le pedirá que confirme su identidad.",
      log: "Conversación", newmsg: "Mensaje nuevo" },
    sw: { open: "Ongea nasi", title: "Msaada wa akaunti", close: "Funga gumzo", label: "Ujumbe wako",
      send: "Tuma", you: "Wewe", bot: "Msaidizi", officer: "Afisa", sending: "Inatuma…",
      failed: "Haijatumwa. Angalia mtandao wako na ujaribu tena.", busy: "Ujumbe mwingi mno. Tafadhali subiri kidogo.",
      welcome: "Habari! Uliza kuhusu salio lako, mpango wa malipo, au andika \"agent\" kuongea na mtu.",
      expired: "Kiungo hiki kimeisha muda. Bado unaweza kuongea nasi; tutauliza maswali machache kupata akaunti yako.",
      settled: "Akaunti yako imelipwa yote: hakuna kilichobaki kulipa. Bado unaweza kutuuliza chochote hapa.",
      loan: "Namba ya mkopo (si lazima)", find: "Tafuta akaunti yangu", found: "Asante. Msaidizi atakuomba uthibitishe utambulisho wako.",
      log: "Mazungumzo", newmsg: "Ujumbe mpya" },
    fil: { open: "Mag-chat sa amin", title: "Tulong sa account", close: "Isara ang chat", label: "Ang mensahe mo",
      send: "Ipadala", you: "Ikaw", bot: "Assistant", officer: "Officer", sending: "Ipinapadala…",
      failed: "Hindi naipadala. Tingnan ang koneksyon mo at subukan ulit.", busy: "Sobrang daming mensahe. Maghintay sandali.",
      welcome: "Hi! Magtanong tungkol sa balance mo, payment plan, o i-type ang \"agent\" para makausap ang isang tao.",
      expired: "Expired na ang link na ito. Puwede ka pa ring mag-chat; magtatanong kami para mahanap ang account mo.",
      settled: "Bayad na ang account mo: wala ka nang babayaran. Puwede ka pa ring magtanong dito.",
      loan: "Loan number (opsyonal)", find: "Hanapin ang account ko", found: "Salamat. Hihilingin ng assistant na kumpirmahin mo kung sino ka.",
      log: "Usapan", newmsg: "Bagong mensahe" },
    hi: { open: "हमसे चैट करें", title: "खाते में मदद", close: "चैट बंद करें", label: "आपका संदेश",
      send: "भेजें", you: "आप", bot: "असिस्टेंट", officer: "अधिकारी", sending: "भेजा जा रहा है…",
      failed: "नहीं भेजा गया। अपना कनेक्शन देखें और फिर कोशिश करें।", busy: "बहुत सारे संदेश। कृपया थोड़ा रुकें।",
      welcome: "नमस्ते! अपने बैलेंस, किस्तों के प्लान के बारे में पूछें, या किसी व्यक्ति से बात के लिए \"agent\" लिखें।",
      expired: "यह लिंक पुराना हो गया है। आप फिर भी चैट कर सकते हैं; आपका खाता ढूँढने के लिए हम कुछ सवाल पूछेंगे।",
      settled: "आपका खाता पूरा भर गया है: कुछ भी बाकी नहीं है। आप फिर भी यहाँ हमसे कुछ भी पूछ सकते हैं।",
      loan: "लोन नंबर (ज़रूरी नहीं)", find: "मेरा खाता ढूँढें", found: "धन्यवाद। असिस्टेंट आपसे आपकी पहचान पक्की करने को कहेगा।",
      log: "बातचीत", newmsg: "नया संदेश" },
    hi_Latn: { open: "Humse chat karein", title: "Account mein madad", close: "Chat band karein", label: "Aapka message",
      send: "Bhejein", you: "Aap", bot: "Assistant", officer: "Officer", sending: "Bheja ja raha hai…",
      failed: "Nahi bheja gaya. Apna connection dekhein aur phir koshish karein.", busy: "Bahut saare message. Kripya thoda rukein.",
      welcome: "Namaste! Apne balance, kishton ke plan ke baare mein poochhein, ya kisi vyakti se baat ke liye \"agent\" likhein.",
      expired: "Yeh link purana ho gaya hai. Aap phir bhi chat kar sakte hain; aapka account dhoondhne ke liye hum kuch sawal poochhenge.",
      settled: "Aapka account poora bhar gaya hai: kuch bhi baaki nahi hai. Aap phir bhi yahan humse kuch bhi pooch sakte hain.",
      loan: "Loan number (zaroori nahi)", find: "Mera account dhoondhein", found: "Dhanyavaad. Assistant aapse aapki pehchaan confirm karne ko kahega.",
      log: "Baatcheet", newmsg: "Naya message" }
  };
  var t = T[lang] || T.en;
  lang = T[lang] ? lang : "en";
  var link = script.getAttribute("data-link") || "";
  var store = "outreach-chat:" + base;
  var state = load();
  var last = 0, timer = null, seen = {};

  function load() {
    try { return JSON.parse(localStorage.getItem(store) || "{}"); } catch (e) { return {}; }
  }
  function save() { try { localStorage.setItem(store, JSON.stringify(state)); } catch (e) { /* private mode */ } }
  function el(tag, attrs, text) {
    var n = document.createElement(tag);
    for (var k in attrs) n.setAttribute(k, attrs[k]);
    if (text) n.textContent = text;
    return n;
  }

  var css = el("link", { rel: "stylesheet", href: base + "/chat/widget.css" });
  document.head.appendChild(css);
  var root = el("div", { class: "oc-root", lang: lang.replace("_", "-") });
  var launcher = el("button", { type: "button", class: "oc-launcher", "aria-expanded": "false",
    "aria-controls": "oc-panel" }, t.open);
  var panel = el("section", { id: "oc-panel", class: "oc-panel", role: "dialog", "aria-label": t.title, hidden: "" });
  var head = el("header", { class: "oc-head" });
  head.appendChild(el("h2", {}, t.title));
  var closeBtn = el("button", { type: "button", class: "oc-close", "aria-label": t.close }, "×");
  head.appendChild(closeBtn);
  var log = el("div", { class: "oc-log", role: "log", "aria-live": "polite", "aria-label": t.log, tabindex: "0" });
  var status = el("p", { class: "oc-status", role: "status", "aria-live": "polite" });
  var idForm = el("form", { class: "oc-identify", hidden: "" });
  var idLabel = el("label", { for: "oc-loan" }, t.loan);
  var idInput = el("input", { id: "oc-loan", name: "loan_number", autocomplete: "off", maxlength: "64" });
  idForm.appendChild(idLabel); idForm.appendChild(idInput);
  idForm.appendChild(el("button", { type: "submit" }, t.find));
  var form = el("form", { class: "oc-form" });
  form.appendChild(el("label", { for: "oc-text", class: "oc-sr" }, t.label));
  var input = el("textarea", { id: "oc-text", name: "text", rows: "2", maxlength: "1000",
    placeholder: t.label, required: "" });
  var sendBtn = el("button", { type: "submit", class: "oc-send" }, t.send);
  form.appendChild(input); form.appendChild(sendBtn);
  panel.appendChild(head); panel.appendChild(log); panel.appendChild(idForm);
  panel.appendChild(status); panel.appendChild(form);
  root.appendChild(launcher); root.appendChild(panel);
  document.body.appendChild(root);

  function api(method, path, body) {
    var headers = { "Content-Type": "application/json" };
    if (state.key) headers["X-Chat-Key"] = state.key;
    return fetch(base + "/chat/api/" + path, { method: method, headers: headers, credentials: "omit",
      body: body ? JSON.stringify(body) : undefined }).then(function (r) {
      if (r.status === 429) throw new Error("busy");
      // An expired or unknown key: forget it; the next ensure() starts a new conversation.
      if (r.status === 404 && state.key) { state.key = null; save(); throw new Error("gone"); }
      if (!r.ok) throw new Error("failed");
      return r.json();
    });
  }
  function add(m) {
    if (seen[m.id]) return;
    seen[m.id] = true;
    last = Math.max(last, m.id);
    var who = m.direction === "in" ? "you" : m.sender;
    var row = el("div", { class: "oc-msg oc-" + who });
    row.appendChild(el("span", { class: "oc-who" }, (t[who] || t.bot) + ": "));
    row.appendChild(el("span", { class: "oc-text" }, m.body)); // textContent: never HTML
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
    if (panel.hidden && m.direction === "out") launcher.textContent = t.open + " • " + t.newmsg;
  }
  function show(data) {
    (data.messages || []).forEach(add);
    // The server never says whether the chat is tied to an account (that told visitors which
    // loan numbers exist): the widget remembers whether it came from a link or sent a number.
    idForm.hidden = !!state.identified || !!state.linked;
  }
  function ensure() {
    if (state.key && state.link === link) return Promise.resolve();
    return api("POST", "session", { link: link, locale: lang }).then(function (d) {
      state.key = d.key; state.link = link; state.identified = false;
      state.linked = d.link === "valid"; save();
      if (d.link === "invalid") status.textContent = t.expired;
      else if (d.link === "settled") status.textContent = t.settled;
    });
  }
  function poll() {
    if (!state.key) return;
    api("GET", "messages?after=" + last).then(show).catch(function (e) {
      if (e.message === "gone") { last = 0; seen = {}; log.textContent = ""; ensure().catch(function () {}); }
    });
  }
  function start() {
    ensure().then(function () { poll(); if (!timer) timer = setInterval(poll, 2000); })
      .catch(function (e) { status.textContent = e.message === "busy" ? t.busy : t.failed; });
  }
  function open(focus) {
    panel.hidden = false; launcher.setAttribute("aria-expanded", "true");
    launcher.textContent = t.open; state.open = true; save();
    if (!log.childNodes.length) log.appendChild(el("p", { class: "oc-welcome" }, t.welcome));
    start();
    if (focus) input.focus();
  }
  function close() {
    panel.hidden = true; launcher.setAttribute("aria-expanded", "false");
    state.open = false; save(); launcher.focus();
  }
  launcher.addEventListener("click", function () { panel.hidden ? open(true) : close(); });
  closeBtn.addEventListener("click", close);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });
  input.addEventListener("keydown", function (e) {
    // Enter sends, Shift+Enter makes a new line: what people expect from a chat box.
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    status.textContent = t.sending; sendBtn.disabled = true;
    ensure().then(function () { return api("POST", "messages", { text: text, after: last }); })
      .then(function (d) { input.value = ""; status.textContent = ""; show(d); })
      .catch(function (err) { status.textContent = err.message === "busy" ? t.busy : t.failed; })
      .then(function () { sendBtn.disabled = false; input.focus(); });
  });
  idForm.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!idInput.value.trim()) return;
    api("POST", "identify", { loan_number: idInput.value.trim() }).then(function () {
      state.identified = true; save(); idForm.hidden = true; status.textContent = t.found;
    }).catch(function (err) { status.textContent = err.message === "busy" ? t.busy : t.failed; });
  });
  if (state.open || script.hasAttribute("data-open")) open(false);
  else if (state.key) start();
})();
