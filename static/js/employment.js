// O2R — the wishes form of an accompaniment (templates/employment/wishes.html). Loaded as a
// file: the Content Security Policy forbids inline scripts. Without it the coach types the
// ROME codes herself.
"use strict";

// The ROME type-ahead (the employers' one): ticking a title found adds its ROME sheet's code
// to the wanted jobs, once.
(function () {
  var box = document.querySelector("[data-o2r-wishes-rome]");
  if (!box) {
    return;
  }
  var codes = box.querySelector("input[name=wanted_rome]");
  var search = box.querySelector("input[name=rome_q]");
  var chosen = box.querySelector("#rome-choisis");

  box.addEventListener("change", function (event) {
    var input = event.target;
    if (input.name !== "rome_appellation_pick" || !codes) {
      return;
    }
    var code = input.dataset.rome;
    var current = codes.value.split(/[\s,;]+/).filter(function (value) {
      return value !== "";
    });
    if (current.indexOf(code) === -1) {
      current.push(code);
      codes.value = current.join(", ");
      if (chosen) {
        var item = document.createElement("li");
        item.textContent = code + " — " + input.dataset.label;
        chosen.appendChild(item);
      }
    }
    input.checked = false;
  });

  // Enter in the search box searches; it does not send the half-filled form.
  if (search) {
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        if (window.htmx) {
          window.htmx.trigger(search, "search");
        }
      }
    });
  }
})();
