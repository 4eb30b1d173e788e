// Work report pages: the request form. The reports being built are followed by the document
// pipeline's script (static/js/documents.js). Loaded as a file (no inline script, for the
// Content-Security-Policy).
(function () {
  "use strict";

  // An annual report has no period, so the period list is disabled for it (the server ignores
  // it too, for browsers without this script).
  var kind = document.getElementById("id_kind");
  var period = document.getElementById("id_period");
  if (kind && period) {
    var follow = function () {
      period.disabled = kind.value === "annual";
    };
    kind.addEventListener("change", follow);
    follow();
  }
})();

// The report's texts, saved as a draft while the office types: every change is kept in this
// browser at once (localStorage) and sent to the server two seconds after typing stops, so that
// neither an ended session nor a lost connection loses a word. Back on the page, text that never
// reached the server is put back into the form and sent.
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave]");
  if (!form) return;
  var status = form.querySelector("[data-autosave-status]");
  var key = form.dataset.draftKey;
  var timer = null;
  var sending = false;
  var again = false;
  var restored = "";

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.type !== "submit";
    });
  }
  function values() {
    var out = {};
    fields().forEach(function (el) { out[el.name] = el.value; });
    return out;
  }
  function say(text) { if (status) status.textContent = text; }
  function keep() {
    try {
      window.localStorage.setItem(key, JSON.stringify({ values: values(), at: Date.now() }));
    } catch (e) { /* storage full or private mode: the server copy still comes */ }
  }
  function forget() { try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ } }
  function hhmm(at) {
    var d = new Date(at);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function send() {
    timer = null;
    if (sending) { again = true; return; }
    sending = true;
    say(form.dataset.textSaving);
    fetch(form.dataset.autosave, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (data) { return { response: response, data: data }; },
          function () { return { response: response, data: {} }; });
      })
      .then(function (r) {
        if (r.response.ok) {
          document.dispatchEvent(new CustomEvent("portal:server-contact"));
          forget();
          say(restored + form.dataset.textSaved.replace("%(time)s", r.data.saved_at || ""));
          restored = "";
        } else if (r.response.status === 401 || (r.response.status === 403 && !r.data.detail)) {
          // 401: the session ended; a bare 403 is the CSRF check of a session that changed.
          say(form.dataset.textEnded);
        } else if (r.response.status === 400 && r.data.errors) {
          document.dispatchEvent(new CustomEvent("portal:server-contact"));
          var messages = [];
          Object.keys(r.data.errors).forEach(function (name) {
            r.data.errors[name].forEach(function (e) { messages.push(e.message); });
          });
          say(form.dataset.textInvalid.replace("%(errors)s", messages.join("；")));
        } else {
          say(r.data.detail || form.dataset.textOffline);
        }
      })
      .catch(function () { say(form.dataset.textOffline); })
      .then(function () {
        sending = false;
        if (again) { again = false; send(); }
      });
  }

  function changed() {
    keep();
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(send, 2000);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  window.addEventListener("online", function () {
    try { if (window.localStorage.getItem(key)) send(); } catch (e) { /* ignore */ }
  });

  // Text typed here earlier that never reached the server (the session ended, the network
  // dropped, the tab was closed): put it back and send it.
  var saved = null;
  try { saved = JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
  if (saved && saved.values) {
    var current = values();
    var differs = Object.keys(saved.values).some(function (name) {
      return name in current && saved.values[name] !== current[name];
    });
    if (differs) {
      fields().forEach(function (el) {
        if (el.name in saved.values) el.value = saved.values[el.name];
      });
      restored = form.dataset.textRestored.replace("%(time)s", hhmm(saved.at)) + " ";
      say(restored);
      send();
    } else {
      forget();
    }
  }
})();
