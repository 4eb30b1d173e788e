// Warns before the session ends (accounts.middleware: SESSION_IDLE_MINUTES after the last
// request, SESSION_MAX_HOURS after the login), so that nobody loses what they are typing.
// "继续工作" tells the server the user is still there; a page's own saves (report drafts) count
// as activity too: they dispatch "portal:server-contact" on the document.
(function () {
  "use strict";

  var body = document.body;
  var box = document.querySelector("[data-session-warning]");
  if (!body.dataset.sessionIdle || !box) return;
  var idle = parseInt(body.dataset.sessionIdle, 10) * 1000;
  var endsAt = parseInt(body.dataset.sessionEnds, 10) * 1000;
  var text = box.querySelector("[data-session-text]");
  var button = box.querySelector("[data-session-continue]");
  var lastContact = Date.now();
  var WARN_IDLE = Math.min(5 * 60 * 1000, idle / 3);
  var WARN_MAX = 15 * 60 * 1000;

  function token() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Another tab of the same login keeps the session alive too: the last contact is shared.
  var SHARED = "portal-session-contact";
  function contact(at) {
    lastContact = Math.max(lastContact, at);
    try { window.localStorage.setItem(SHARED, String(lastContact)); } catch (e) { /* private mode */ }
  }
  function shared() {
    try { return parseInt(window.localStorage.getItem(SHARED), 10) || 0; } catch (e) { return 0; }
  }

  function show(message, canContinue) {
    text.textContent = message;
    button.hidden = !canContinue;
    box.hidden = false;
  }

  function check() {
    var now = Date.now();
    lastContact = Math.max(lastContact, shared());
    var idleLeft = lastContact + idle - now;
    if (idleLeft <= 0 || now >= endsAt) {
      // Perhaps only this tab thinks so: "继续工作" finds out (401 if it has really ended).
      show(box.dataset.textEnded, true);
      return;
    }
    if (idleLeft <= WARN_IDLE) {
      var minutes = Math.max(1, Math.ceil(idleLeft / 60000));
      show(box.dataset.textIdle.replace("%(minutes)s", minutes), true);
      return;
    }
    if (endsAt - now <= WARN_MAX) {
      var end = new Date(endsAt);
      var hhmm = ("0" + end.getHours()).slice(-2) + ":" + ("0" + end.getMinutes()).slice(-2);
      show(box.dataset.textMax.replace("%(time)s", hhmm), false);
      return;
    }
    box.hidden = true;
  }

  document.addEventListener("portal:server-contact", function () {
    contact(Date.now());
    check();
  });

  button.addEventListener("click", function () {
    fetch(body.dataset.sessionKeepalive, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token() },
    })
      .then(function (response) {
        if (response.status === 401) {
          lastContact = 0;
          try { window.localStorage.removeItem(SHARED); } catch (e) { /* private mode */ }
        } else if (response.ok) {
          contact(Date.now());
        } else {
          show(box.dataset.textFailed, true);
          return;
        }
        check();
      })
      .catch(function () {
        show(box.dataset.textFailed, true);
      });
  });

  contact(Date.now());
  window.setInterval(check, 15000);
  check();
})();
