/* Jindu page behaviour: confirmations and formset rows. No inline scripts needed. */
(function () {
  "use strict";

  // <form data-confirm="…">: ask before submitting (removals, deletions) when htmx is not
  // handling the request itself (htmx uses hx-confirm).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // Formsets: <button data-formset-add="prefix"> clones <template id="prefix-empty">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-formset-add]");
    if (!button) {
      return;
    }
    event.preventDefault();
    var prefix = button.getAttribute("data-formset-add");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var template = document.getElementById(prefix + "-empty");
    var target = document.getElementById(prefix + "-rows");
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    target.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var first = target.lastElementChild && target.lastElementChild.querySelector("input, select");
    if (first) {
      first.focus();
    }
  });

  // Formsets: a row's remove button ticks its DELETE box and hides the row.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-formset-remove]");
    if (!button) {
      return;
    }
    event.preventDefault();
    var row = button.closest("[data-formset-row]");
    var box = row.querySelector("input[name$='-DELETE']");
    if (box) {
      box.checked = true;
    }
    row.classList.add("d-none");
  });
})();
