/* The Gantt page: fetch the figure from the Gantt API with the toolbar's filters and draw it
   with plotly.js. While a large project's figure renders in the background the API answers
   202, and the page polls until it is there. Zoom buttons set the date range; the mouse wheel
   moves through the rows when the plan is taller than the chart. */
(function () {
  "use strict";

  var chart = document.getElementById("gantt-chart");
  var form = document.getElementById("gantt-filters");
  if (!chart || !form || !window.fetch) {
    return;
  }
  var status = document.getElementById("gantt-status");
  var POLL_MS = 1500;
  var SLOW_MS = 90000;
  var DAY_MS = 86400000;
  var TOP_PX = 64;
  var NARROW_PX = 576;
  var ZOOM_DAYS = { day: 21, week: 91, month: 365 };
  var generation = 0;
  var timer = null;
  var zoom = null;

  function show(state) {
    status.hidden = state === "ready";
    status.querySelectorAll("[data-state]").forEach(function (el) {
      var name = el.getAttribute("data-state");
      el.hidden = !(name === state || (name === "rendering" && state === "slow"));
    });
    status.querySelector(".gantt-loading").hidden = state === "error";
  }

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value) {
        params.append(name, value);
      }
    });
    return params.toString();
  }

  function labelDomain(width) {
    // The task names take a column of about 30 % of the chart, between 190 and 380 pixels;
    // on a phone only the WBS codes, in 90 pixels.
    var px = width < NARROW_PX ? 90 : Math.min(380, Math.max(190, width * 0.3));
    return Math.min(0.6, px / Math.max(width, 1));
  }

  function codesOnly(ticks) {
    // "  1.2  Name" becomes "  1.2": on a phone the names would cover the bars (hover shows them).
    return ticks.map(function (text) {
      return text.replace(/^((?:\u2003)*(?:<[^>]+>)*)(\S+)  [^<]*/, "$1$2");
    });
  }

  function draw(figure, filters) {
    var layout = figure.layout;
    // A new set of filters starts from the figure's own view; the same one keeps the user's.
    layout.uirevision = filters;
    if (layout.yaxis && layout.yaxis.ticktext && chart.clientWidth < NARROW_PX) {
      layout.yaxis.ticktext = codesOnly(layout.yaxis.ticktext);
    }
    if (layout.xaxis) {
      layout.xaxis.domain = [labelDomain(chart.clientWidth), 1];
      if (layout.xaxis.rangeselector) {
        // The toolbar has the zoom buttons: the room kept for plotly's own is given back.
        layout.xaxis.rangeselector.visible = false;
        layout.height -= layout.margin.t - TOP_PX;
        layout.margin.t = TOP_PX;
      }
    }
    var config = { responsive: true, displaylogo: false, scrollZoom: false,
                   modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"] };
    return window.Plotly.react(chart, figure.data, layout, config).then(function () {
      chart.setAttribute("data-ready", "1");
      if (zoom) {
        applyZoom(zoom);
      }
      show("ready");
    });
  }

  function load() {
    var mine = ++generation;
    var started = Date.now();
    clearTimeout(timer);
    var q = query();
    history.replaceState(null, "", q ? "?" + q : location.pathname);
    document.querySelectorAll("[data-export]").forEach(function (link) {
      link.href = link.href.split("?")[0] + (q ? "?" + q : "");
    });
    chart.removeAttribute("data-ready");
    show("loading");
    function ask() {
      fetch(chart.getAttribute("data-url") + (q ? "?" + q : ""), {
        credentials: "same-origin", headers: { Accept: "application/json" },
      }).then(function (response) {
        if (mine !== generation) {
          return null;
        }
        if (response.status === 202) {
          show(Date.now() - started > SLOW_MS ? "slow" : "rendering");
          timer = setTimeout(ask, POLL_MS);
          return null;
        }
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json().then(function (figure) {
          if (mine === generation) {
            return draw(figure, q);
          }
          return null;
        });
      }).catch(function () {
        if (mine === generation) {
          show("error");
        }
      });
    }
    ask();
  }

  function dateMs(value) {
    return value ? Date.parse(value + "T00:00:00Z") : null;
  }

  function isoDay(ms) {
    return new Date(ms).toISOString().slice(0, 10);
  }

  function applyZoom(name) {
    var meta = (chart.layout && chart.layout.meta) || {};
    var start = dateMs(meta.start);
    var finish = dateMs(meta.finish);
    if (start === null || !chart.layout) {
      return;
    }
    document.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.classList.toggle("active", button.getAttribute("data-zoom") === name);
      button.setAttribute("aria-pressed", button.getAttribute("data-zoom") === name);
    });
    if (name === "all" || !ZOOM_DAYS[name]) {
      var pad = Math.max(2, Math.floor((finish - start) / DAY_MS / 40)) * DAY_MS;
      window.Plotly.relayout(chart, { "xaxis.range": [isoDay(start - pad), isoDay(finish + pad)],
                                      "xaxis.dtick": null });
      return;
    }
    var span = Math.min(ZOOM_DAYS[name] * DAY_MS, finish - start + 4 * DAY_MS);
    var today = dateMs(meta.today);
    // Around today while the project runs; from its start (or up to its end) otherwise.
    var from = Math.max(start - 2 * DAY_MS, Math.min(today - span / 4, finish - span));
    window.Plotly.relayout(chart, {
      "xaxis.range": [isoDay(from), isoDay(from + span)],
      "xaxis.dtick": name === "day" ? DAY_MS : name === "week" ? 7 * DAY_MS : "M1",
    });
  }

  function onWheel(event) {
    var layout = chart.layout;
    var meta = layout && layout.meta;
    if (!meta || meta.rows <= meta.window || event.ctrlKey) {
      return;
    }
    event.preventDefault();
    var range = layout.yaxis.range;
    var span = range[0] - range[1];
    var step = (event.deltaY > 0 ? 1 : -1) * Math.max(1, Math.round(span / 8));
    var top = Math.min(Math.max(range[1] + step, -0.5), meta.rows - 0.5 - span);
    window.Plotly.relayout(chart, { "yaxis.range": [top + span, top] });
  }

  form.addEventListener("change", function () {
    load();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    load();
  });
  document.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      zoom = button.getAttribute("data-zoom");
      applyZoom(zoom);
    });
  });
  chart.addEventListener("wheel", onWheel, { passive: false });
  window.addEventListener("resize", function () {
    if (chart.getAttribute("data-ready")) {
      window.Plotly.relayout(chart, { "xaxis.domain": [labelDomain(chart.clientWidth), 1] });
    }
  });
  load();
})();
