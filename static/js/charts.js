/* Dashboards: draw every plotly figure the page embeds. A chart is an element with
   data-figure="<id of a json_script element>" holding {data, layout}. */
(function () {
  "use strict";

  if (!window.Plotly) {
    return;
  }
  var config = { responsive: true, displaylogo: false,
                 modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"] };
  document.querySelectorAll("[data-figure]").forEach(function (element) {
    var source = document.getElementById(element.getAttribute("data-figure"));
    if (!source) {
      return;
    }
    var figure = JSON.parse(source.textContent);
    window.Plotly.newPlot(element, figure.data, figure.layout, config).then(function () {
      element.setAttribute("data-ready", "1");
    });
  });
})();
