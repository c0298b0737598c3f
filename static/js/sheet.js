/* The weekly progress tracking sheet (进度跟踪表): spreadsheet keys, changed cells, one Save.

   Each row carries its task and version; each cell input its field. A cell is changed when its
   value differs from what the server showed (data-orig after a refused save, else the value
   it was rendered with). Save posts the changed rows as JSON; the server saves all or none. */
(function () {
  "use strict";

  var form = document.getElementById("sheet-form");
  var tbody = document.getElementById("sheet-tbody");
  if (!form || !tbody) {
    return;
  }
  var rowsField = document.getElementById("sheet-rows");
  var counter = document.getElementById("sheet-changed");
  var submitting = false;

  function inputs(row) {
    return row.querySelectorAll("input.sheet-input");
  }

  function original(input) {
    return input.hasAttribute("data-orig") ? input.getAttribute("data-orig") : input.defaultValue;
  }

  function isChanged(input) {
    return input.value.trim() !== original(input).trim();
  }

  function markCell(input) {
    var changed = isChanged(input);
    input.closest("td").classList.toggle("is-changed", changed);
    return changed;
  }

  function markRow(row) {
    var changed = false;
    inputs(row).forEach(function (input) {
      changed = markCell(input) || changed;
    });
    row.classList.toggle("is-changed", changed);
    return changed;
  }

  function changedRows() {
    return Array.prototype.filter.call(tbody.rows, function (row) {
      return row.classList.contains("is-changed");
    });
  }

  function updateCounter() {
    if (!counter) {
      return;
    }
    var n = changedRows().length;
    var text = n === 0 ? counter.getAttribute("data-none")
      : n === 1 ? counter.getAttribute("data-one")
        : counter.getAttribute("data-many").replace("%(n)s", String(n));
    counter.textContent = text;
    counter.classList.toggle("text-primary", n > 0);
  }

  // The same column in the row above or below (skipping rows without inputs).
  function neighbour(input, step) {
    var field = input.getAttribute("data-field");
    var row = input.closest("tr");
    for (;;) {
      row = step > 0 ? row.nextElementSibling : row.previousElementSibling;
      if (!row) {
        return null;
      }
      var target = row.querySelector('input.sheet-input[data-field="' + field + '"]');
      if (target) {
        return target;
      }
    }
  }

  function moveTo(target) {
    if (target) {
      target.focus();
      target.select();
    }
  }

  tbody.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.classList.contains("sheet-input")) {
      return;
    }
    input.classList.remove("is-invalid");
    markRow(input.closest("tr"));
    updateCounter();
  });

  tbody.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("sheet-input")) {
      return;
    }
    if (event.key === "Enter") {
      event.preventDefault();
      moveTo(neighbour(input, event.shiftKey ? -1 : 1));
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      moveTo(neighbour(input, event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Escape") {
      event.preventDefault();
      input.value = original(input);
      markRow(input.closest("tr"));
      updateCounter();
    }
  });

  // Ctrl+S (⌘S) saves the sheet rather than the web page.
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && (event.key === "s" || event.key === "S")) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  // A conflict row: take their values, or keep yours on top of their version.
  function resolveConflict(row, takeTheirs) {
    row.setAttribute("data-version", row.getAttribute("data-current-version"));
    inputs(row).forEach(function (input) {
      var theirs = input.getAttribute("data-theirs") || "";
      if (takeTheirs) {
        input.value = theirs;
      }
      input.setAttribute("data-orig", theirs);
      input.removeAttribute("data-theirs");
    });
    row.classList.remove("sheet-conflict");
    row.querySelectorAll(".sheet-theirs, .sheet-conflict-note").forEach(function (el) {
      el.remove();
    });
    markRow(row);
    updateCounter();
    var first = row.querySelector("input.sheet-input");
    if (first) {
      first.focus();
    }
  }

  tbody.addEventListener("click", function (event) {
    var theirs = event.target.closest("[data-sheet-theirs]");
    var mine = event.target.closest("[data-sheet-mine]");
    if (theirs || mine) {
      event.preventDefault();
      resolveConflict((theirs || mine).closest("tr"), Boolean(theirs));
    }
  });

  // Editing a cell of a conflict row keeps your values: the row is resent on their version.
  tbody.addEventListener("change", function (event) {
    var row = event.target.closest && event.target.closest("tr.sheet-conflict");
    if (row && event.target.classList.contains("sheet-input")) {
      resolveConflict(row, false);
    }
  });

  form.addEventListener("submit", function (event) {
    var rows = changedRows().map(function (row) {
      var data = {
        task: parseInt(row.getAttribute("data-task"), 10),
        version: parseInt(row.getAttribute("data-version"), 10),
      };
      inputs(row).forEach(function (input) {
        var field = input.getAttribute("data-field");
        // % complete always goes (the sheet's rule); the others only when changed.
        if (field === "percent_complete" || isChanged(input)) {
          data[field] = input.value.trim();
        }
      });
      return data;
    });
    // Rows of unsolved conflicts go on their old version: the server names them again.
    if (!rows.length) {
      event.preventDefault();
      if (counter) {
        counter.classList.add("fw-semibold");
      }
      return;
    }
    rowsField.value = JSON.stringify(rows);
    submitting = true;
    var button = document.getElementById("sheet-save");
    if (button) {
      button.disabled = true;
    }
  });

  window.addEventListener("beforeunload", function (event) {
    if (!submitting && changedRows().length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // After a refused save the server shows the typed values: mark them changed again.
  Array.prototype.forEach.call(tbody.rows, function (row) {
    if (row.querySelector("input[data-orig]")) {
      markRow(row);
    }
  });
  updateCounter();
  var invalid = tbody.querySelector("input.is-invalid");
  if (invalid) {
    invalid.focus();
  }
})();
