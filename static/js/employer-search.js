// O2R — the company field of the coach's forms (templates/employment/_employer_search.html):
// the contact form of an accompaniment, the hire form. Loaded as a file: the Content Security
// Policy forbids inline scripts. Without it the form still works: the companies found for
// the name typed come back with the form, as radio buttons the server reads.
"use strict";

// htmx swaps the companies found under the search box; ticking one fills the hidden id, the
// search box and the "chosen" line, then tells the page (the hire form lists its openings).
// Emptying the box leaves no company chosen.
(function () {
  Array.prototype.forEach.call(document.querySelectorAll("[data-o2r-employer]"), function (box) {
    var search = box.querySelector("input[type=search]");
    var id = box.querySelector("input[type=hidden][name$=employer]");
    var chosen = box.querySelector("[data-o2r-employer-chosen]");
    var label = chosen.querySelector("[data-o2r-employer-label]");

    function choose(value, text) {
      var changed = id.value !== value;
      id.value = value;
      label.textContent = text;
      chosen.hidden = !value;
      if (changed) {
        box.dispatchEvent(
          new CustomEvent("o2r-employer-chosen", { bubbles: true, detail: { id: value } })
        );
      }
    }

    box.addEventListener("change", function (event) {
      var input = event.target;
      if (input.name !== "employer_pick") {
        return;
      }
      search.value = input.dataset.label;
      search.classList.remove("is-invalid");
      search.removeAttribute("aria-invalid");
      choose(input.value, input.dataset.label);
    });

    search.addEventListener("input", function () {
      if (search.value.trim() === "" && id.value) {
        choose("", "");
      }
    });

    // Enter in the search box searches; it does not send the half-filled form.
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        if (window.htmx) {
          window.htmx.trigger(search, "search");
        }
      }
    });
  });
})();
