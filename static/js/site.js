/* Site behaviour without inline scripts (the CSP allows scripts from our own static files only). */
(function () {
  "use strict";

  function drawCharts(root) {
    if (typeof window.Plotly === "undefined") { return; }
    root.querySelectorAll('script[type="application/json"][data-plotly-for]').forEach(function (block) {
      var target = document.getElementById(block.getAttribute("data-plotly-for"));
      if (!target || target.dataset.drawn) { return; }
      var fig = JSON.parse(block.textContent);
      var config = Object.assign({ displaylogo: false, responsive: true, locale: "zh-CN" }, fig.config || {});
      window.Plotly.newPlot(target, fig.data || [], fig.layout || {}, config).then(function () {
        target.dataset.drawn = "1";
        target.classList.add("chart-drawn");
      });
      // A chart's point can link to the rows behind it: customdata[0] or a "url" in customdata.
      if (target.on) {
        target.on("plotly_click", function (event) {
          var point = event.points && event.points[0];
          var url = point && point.customdata && (Array.isArray(point.customdata) ? point.customdata[0] : point.customdata);
          if (typeof url === "string" && url.charAt(0) === "/") { window.location.href = url; }
        });
      }
    });
  }

  function autoSubmit(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  function confirmButtons(root) {
    root.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("click", function (event) {
        if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  function printButtons(root) {
    root.querySelectorAll("[data-print]").forEach(function (el) {
      el.addEventListener("click", function (event) { event.preventDefault(); window.print(); });
    });
  }

  // A long job's progress: <div data-progress-url="/…/status/"> polls JSON {label, progress, done} and reloads when done.
  function progressBoxes(root) {
    root.querySelectorAll("[data-progress-url]").forEach(function (box) {
      var url = box.getAttribute("data-progress-url");
      if (!url) { return; }
      function set(selector, fn) { var el = box.querySelector(selector); if (el) { fn(el); } }
      function poll() {
        fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (r) { return r.json(); })
          .then(function (d) {
            set("[data-progress-label]", function (el) { el.textContent = d.label; });
            set("[data-progress-pct]", function (el) { el.textContent = d.progress; });
            set("[data-progress-bar]", function (el) { el.style.width = d.progress + "%"; });
            if (d.done) {
              window.location.href = window.location.pathname + window.location.search.replace(/&?watch=\d+/, "");
            } else {
              window.setTimeout(poll, 1500);
            }
          })
          .catch(function () { window.setTimeout(poll, 5000); });
      }
      poll();
    });
  }

  // <input type="checkbox" data-check-all="ids" form="f">: ticks every checkbox named "ids" of the same form.
  function checkAll(root) {
    root.querySelectorAll("input[data-check-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        var formId = box.getAttribute("form");
        root.querySelectorAll('input[type="checkbox"][name="' + box.getAttribute("data-check-all") + '"]').forEach(function (el) {
          if (!formId || el.getAttribute("form") === formId) { el.checked = box.checked; }
        });
      });
    });
  }

  // Panels loaded when they come near the viewport (the leaders' dashboard: one per assessment item).
  var lazyCount = 0;
  function loadPanel(box) {
    if (box.dataset.loading) { return; }
    box.dataset.loading = "1";
    fetch(box.getAttribute("data-panel-src"), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        box.innerHTML = html;
        // chart ids are unique within one rendering only: give this panel's charts page-unique ids
        box.querySelectorAll('script[type="application/json"][data-plotly-for]').forEach(function (block) {
          var div = box.querySelector("#" + block.getAttribute("data-plotly-for"));
          if (!div) { return; }
          lazyCount += 1;
          div.id = "lazy-chart-" + lazyCount;
          block.setAttribute("data-plotly-for", div.id);
        });
        drawCharts(box);
      })
      .catch(function () { delete box.dataset.loading; });
  }
  function lazyPanels(root) {
    var boxes = root.querySelectorAll("[data-panel-src]");
    if (!("IntersectionObserver" in window)) { boxes.forEach(loadPanel); return; }
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting) { seen.unobserve(e.target); loadPanel(e.target); } });
    }, { rootMargin: "600px 0px" });
    boxes.forEach(function (box) { seen.observe(box); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    lazyPanels(document);
    checkAll(document);
    progressBoxes(document);
    drawCharts(document);
    autoSubmit(document);
    confirmButtons(document);
    printButtons(document);
  });
  window.ecoDrawCharts = drawCharts;
})();
