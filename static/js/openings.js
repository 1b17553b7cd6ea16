// O2R — the job-analysis form of an opening (templates/employers/openings/form.html). Loaded
// as a file: the Content Security Policy forbids inline scripts. Without it the form still
// works: the titles found are radio buttons the server reads, and the duration stays shown.
"use strict";

// The ROME type-ahead: htmx swaps the titles found into #rome-results; ticking one fills the
// hidden code, the search box and, if the coach has not typed one, the job title.
(function () {
  var box = document.querySelector("[data-o2r-rome]");
  if (!box) {
    return;
  }
  var search = box.querySelector("input[name=rome_q]");
  var code = box.querySelector("input[name=rome_appellation]");
  var chosen = box.querySelector("[data-o2r-rome-chosen]");
  var title = document.querySelector("input[name=title]");

  box.addEventListener("change", function (event) {
    var input = event.target;
    if (input.name !== "rome_appellation_pick") {
      return;
    }
    code.value = input.value;
    search.value = input.dataset.label;
    search.classList.remove("is-invalid");
    chosen.querySelector("[data-o2r-rome-label]").textContent = input.dataset.label;
    chosen.querySelector("[data-o2r-rome-code]").textContent = input.dataset.rome;
    chosen.hidden = false;
    if (title && (title.value === "" || title.value === title.dataset.o2rAuto)) {
      title.value = input.dataset.label;
      title.dataset.o2rAuto = input.dataset.label;
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
})();

// A CDI has no duration: its field is hidden (and not sent) while the contract is a CDI.
(function () {
  var contract = document.querySelector("#opening-form select[name=contract_type]");
  var wrapper = document.querySelector("#opening-form [data-o2r-duration]");
  if (!contract || !wrapper) {
    return;
  }
  var duration = wrapper.querySelector("input");

  function sync() {
    var cdi = contract.value === "cdi";
    wrapper.hidden = cdi;
    duration.disabled = cdi;
  }

  contract.addEventListener("change", sync);
  sync();
})();
