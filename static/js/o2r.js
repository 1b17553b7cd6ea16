// O2R — behaviour that Bootstrap and htmx do not give. Loaded as a file: the Content Security
// Policy forbids inline scripts.
"use strict";

document.addEventListener("htmx:responseError", function (event) {
  var status = event.detail.xhr ? event.detail.xhr.status : 0;
  var box = document.getElementById("o2r-htmx-error");
  if (!box) {
    box = document.createElement("div");
    box.id = "o2r-htmx-error";
    box.className = "alert alert-danger position-fixed bottom-0 start-0 end-0 m-3";
    box.setAttribute("role", "alert");
    document.body.appendChild(box);
  }
  box.textContent =
    status === 403 || status === 404
      ? "Cette action n'est pas possible (accès refusé ou élément introuvable)."
      : "Le serveur n'a pas pu traiter la demande. Réessayez dans un instant.";
});

// Session end: <body> carries the seconds left before the idle end and the absolute end
// (data-session-idle, data-session-max-age), and how long before them to warn. The warning
// offers "Rester connecté", which POSTs to the keep-alive URL; htmx answers carry the new
// timings in the O2R-Session-Idle and O2R-Session-Max-Age headers.
(function () {
  var body = document.body;
  var keepaliveUrl = body.dataset.sessionKeepaliveUrl;
  var box = document.getElementById("o2r-session-warning");
  if (!keepaliveUrl || !box) {
    return;
  }
  var warning = Number(body.dataset.sessionWarning) * 1000;
  var idleEnd = 0;
  var maxAgeEnd = 0;
  var timers = [];

  function csrfToken() {
    try {
      return JSON.parse(body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (error) {
      return "";
    }
  }

  function show(which) {
    box.querySelectorAll("[data-session-message]").forEach(function (message) {
      message.hidden = message.dataset.sessionMessage !== which;
    });
    box.querySelector("[data-session-keepalive]").hidden = which !== "idle";
    box.hidden = false;
  }

  function schedule(idleSeconds, maxAgeSeconds) {
    var now = Date.now();
    idleEnd = now + idleSeconds * 1000;
    maxAgeEnd = now + maxAgeSeconds * 1000;
    timers.forEach(clearTimeout);
    box.hidden = true;
    var end = Math.min(idleEnd, maxAgeEnd);
    var which = maxAgeEnd <= idleEnd ? "max_age" : "idle";
    timers = [
      setTimeout(function () { show(which); }, Math.max(0, end - warning - now)),
      setTimeout(function () { show("ended"); }, Math.max(0, end - now)),
    ];
  }

  box.querySelector("[data-session-keepalive]").addEventListener("click", function () {
    fetch(keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (!response.ok || response.redirected || !json) {
          throw new Error("session ended");
        }
        return response.json();
      })
      .then(function (data) {
        schedule(data.idle, data.max_age);
      })
      .catch(function () {
        show("ended");
      });
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    var idle = xhr && xhr.getResponseHeader("O2R-Session-Idle");
    var maxAge = xhr && xhr.getResponseHeader("O2R-Session-Max-Age");
    if (idle !== null && idle !== undefined && maxAge !== null && maxAge !== undefined) {
      schedule(Number(idle), Number(maxAge));
    }
  });

  schedule(Number(body.dataset.sessionIdle), Number(body.dataset.sessionMaxAge));
})();

// The accompaniment consent of a contact form is offered only for the outcomes that open the
// way to it: <form data-o2r-consent="interested appointment_set"> holds the outcome radios
// and a [data-o2r-consent-box]. Without this script the box stays shown (the service refuses
// a consent with another outcome, in French).
(function () {
  function sync(form) {
    var box = form.querySelector("[data-o2r-consent-box]");
    if (!box) {
      return;
    }
    var engaging = form.dataset.o2rConsent.split(" ");
    var checked = form.querySelector("input[name=outcome]:checked");
    var shown = checked !== null && engaging.indexOf(checked.value) !== -1;
    box.hidden = !shown;
    if (!shown) {
      box.querySelectorAll("input[type=checkbox]").forEach(function (input) {
        input.checked = false;
      });
    }
  }

  document.querySelectorAll("form[data-o2r-consent]").forEach(function (form) {
    sync(form);
    form.addEventListener("change", function (event) {
      if (event.target.name === "outcome") {
        sync(form);
      }
    });
  });
})();
