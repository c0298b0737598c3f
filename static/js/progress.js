/* Progress pages: the quick % buttons of a progress report, the week picker, printing. */
(function () {
  "use strict";

  // <button data-quick-percent="50">: fill in % complete and save the report at once.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-quick-percent]");
    if (!button) {
      return;
    }
    var form = button.closest("form");
    var box = form && form.querySelector("input[name=percent_complete]");
    if (!box) {
      return;
    }
    box.value = button.getAttribute("data-quick-percent");
    form.requestSubmit();
  });

  // <form data-autosubmit>: a picked week opens at once.
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-autosubmit]");
    if (form && event.target.value) {
      form.requestSubmit();
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
})();
