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
