// O2R — the hire form (templates/employment/placement/placement_form.html). Loaded as a file:
// the Content Security Policy forbids inline scripts. Without it the form still works: the
// server refuses an opening of another employer, in French, beside the field.
"use strict";

// Choosing an opening chooses its employer; choosing an employer leaves in the list only its
// openings (and "no opening").
(function () {
  var box = document.querySelector("[data-o2r-placement]");
  if (!box) {
    return;
  }
  var employer = box.querySelector("select[name=employer]");
  var opening = box.querySelector("select[name=opening]");
  if (!employer || !opening) {
    return;
  }

  function narrow() {
    var chosen = employer.value;
    Array.prototype.forEach.call(opening.options, function (option) {
      var owner = option.dataset.employer;
      option.hidden = Boolean(chosen && owner && owner !== chosen);
    });
    var selected = opening.options[opening.selectedIndex];
    if (selected && selected.hidden) {
      opening.value = "";
    }
  }

  opening.addEventListener("change", function () {
    var selected = opening.options[opening.selectedIndex];
    if (selected && selected.dataset.employer) {
      employer.value = selected.dataset.employer;
      narrow();
    }
  });
  employer.addEventListener("change", narrow);
  narrow();
})();
