/* The planning table: open a row for editing, save it on Enter or when focus leaves it, Esc to
   cancel, arrows to move between rows. The server re-renders the table after each change. */
(function () {
  "use strict";

  var pending = null; // the row clicked while another one was being saved: {id, field}
  var focusAfter = null; // the row to focus once its read-only version is back

  function baselineParam() {
    var input = document.getElementById("plan-baseline");
    return input && input.value ? "baseline=" + encodeURIComponent(input.value) : "";
  }

  function withParams(url, params) {
    var query = params.filter(Boolean).join("&");
    return query ? url + (url.indexOf("?") < 0 ? "?" : "&") + query : url;
  }

  function editRow() {
    return document.querySelector("#plan-tbody tr.plan-edit");
  }

  function rowForm(row) {
    return row.querySelector("form.plan-row-form");
  }

  function isDirty(row) {
    var form = rowForm(row);
    return Array.prototype.some.call(form ? form.elements : [], function (el) {
      if (el.type === "hidden" || el.disabled) {
        return false;
      }
      if (el.tagName === "SELECT") {
        return Array.prototype.some.call(el.options, function (o) {
          return o.selected !== o.defaultSelected;
        });
      }
      return el.value !== el.defaultValue;
    });
  }

  function editable(el) {
    return el && el.closest && el.closest("#plan-tbody[data-tasks-url] > tr[tabindex]");
  }

  // The field of the column a cell is in, as the table header names it.
  function fieldOf(cell) {
    var table = cell && cell.closest("table");
    var th = table && table.tHead && table.tHead.rows[0].cells[cell.cellIndex];
    return (th && th.getAttribute("data-field")) || "name";
  }

  function openRow(tr, field) {
    var base = document.getElementById("plan-tbody").getAttribute("data-tasks-url");
    var url = withParams(base + tr.id.replace("task-", "") + "/edit/", [
      "focus=" + encodeURIComponent(field || "name"), baselineParam(),
    ]);
    htmx.ajax("GET", url, { source: tr, target: tr, swap: "outerHTML" });
  }

  function closeRow(row, focus) {
    if (focus) {
      focusAfter = row.id;
    }
    var url = withParams(row.getAttribute("data-read-url"), [baselineParam()]);
    htmx.ajax("GET", url, { source: row, target: row, swap: "outerHTML" });
  }

  function save(row) {
    var form = rowForm(row);
    if (form) {
      form.requestSubmit();
    }
  }

  // Click a cell of a read-only row: edit that row, its clicked cell focused. The task's name
  // is a link to its page: following it edits nothing.
  document.addEventListener("click", function (event) {
    var tr = editable(event.target);
    if (!tr || event.target.closest("a")) {
      return;
    }
    var field = fieldOf(event.target.closest("td"));
    var current = editRow();
    if (current) {
      var busy = rowForm(current) && rowForm(current).classList.contains("htmx-request");
      if (isDirty(current) || busy) {
        pending = { id: tr.id, field: field };
        save(current);
        return;
      }
      closeRow(current, false);
    }
    openRow(tr, field);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-plan-cancel]");
    if (button) {
      closeRow(button.closest("tr"), true);
    }
  });

  document.addEventListener("keydown", function (event) {
    var row = event.target.closest && event.target.closest("#plan-tbody tr");
    if (!row) {
      return;
    }
    if (row.classList.contains("plan-edit")) {
      if (event.key === "Escape") {
        event.preventDefault();
        closeRow(row, true);
      }
      return;
    }
    if (event.target !== row) {
      return;
    }
    var next = null;
    if (event.key === "Enter" || event.key === "F2") {
      event.preventDefault();
      openRow(row, "name");
    } else if (event.key === "ArrowDown") {
      next = row.nextElementSibling;
    } else if (event.key === "ArrowUp") {
      next = row.previousElementSibling;
    }
    if (next && next.hasAttribute("tabindex")) {
      event.preventDefault();
      next.focus();
    }
  });

  // Leaving an edited row saves it; moving to another row is handled by the click above.
  document.addEventListener("focusout", function (event) {
    var row = event.target.closest && event.target.closest("#plan-tbody tr.plan-edit");
    var to = event.relatedTarget;
    if (!row || (to && row.contains(to))) {
      return;
    }
    if (editable(to)) {
      return;
    }
    // Decide once the focus has settled: a swap that removes the row (after Enter, say)
    // blurs it too, and that row must not be sent again.
    window.setTimeout(function () {
      var form = rowForm(row);
      if (!row.isConnected || row.contains(document.activeElement) || !form ||
          form.classList.contains("htmx-request")) {
        return;
      }
      if (isDirty(row)) {
        save(row);
      }
    }, 0);
  });

  // The server marks where the user carries on: the saved row, a field with an error, the
  // name of a new task. Text is selected so that typing replaces it.
  function focusMarked(fallback) {
    var target = document.querySelector("[data-plan-focus]") || fallback;
    if (!target) {
      return;
    }
    target.removeAttribute("data-plan-focus");
    target.focus();
    if (target.select && target.type === "text") {
      target.select();
    }
  }

  // A page that opens with a row in edit mode (an error after a plain POST) focuses it.
  document.addEventListener("DOMContentLoaded", function () {
    focusMarked(null);
  });

  // An edited row's errors sit in the row below it; they go when the row is replaced.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var next = target && target.classList && target.classList.contains("plan-edit") &&
      target.nextElementSibling;
    if (next && next.classList.contains("plan-edit-errors")) {
      next.remove();
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (pending && document.getElementById(pending.id) && !editRow()) {
      var tr = document.getElementById(pending.id);
      var field = pending.field;
      pending = null;
      if (editable(tr)) {
        // The row being opened takes the focus, not the row just saved.
        document.querySelectorAll("[data-plan-focus]").forEach(function (el) {
          el.removeAttribute("data-plan-focus");
        });
        openRow(tr, field);
        return;
      }
    }
    if (editRow()) {
      pending = null;
    }
    var fallback = focusAfter && document.getElementById(focusAfter);
    focusAfter = null;
    focusMarked(fallback);
  });

  // The baseline chooser shows its choice at once.
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-plan-autosubmit")) {
      form.requestSubmit();
    }
  });
})();
