/* The data-entry grid: arrow keys, Enter and Tab move between cells; each cell is checked against the
   indicator's range as it is typed (the server checks again). No inline script: the CSP allows only our files. */
(function () {
  "use strict";

  function parse(text) {
    var t = String(text).trim().replace(/[,，]/g, "");
    if (t === "") { return { empty: true }; }
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) { return { bad: true }; }
    return { value: parseFloat(t) };
  }

  function setup(form) {
    var rows = Array.prototype.map.call(form.querySelectorAll("table.value-grid tbody tr"), function (tr) {
      return Array.prototype.map.call(tr.querySelectorAll("td"), function (td) { return td.querySelector("input.cell-input"); });
    });
    var status = form.querySelector("[data-grid-status]");
    var numberMsg = form.getAttribute("data-msg-number") || "请输入数字";
    var rangeMsg = form.getAttribute("data-msg-range") || "数值须在 {min} 至 {max} 之间";
    var badMsg = form.getAttribute("data-msg-bad") || "{n} 个格子有误";

    function check(input) {
      var p = parse(input.value);
      var min = parseFloat(input.getAttribute("data-min"));
      var max = parseFloat(input.getAttribute("data-max"));
      var msg = "";
      if (p.bad) { msg = numberMsg; }
      else if (!p.empty && (p.value < min || p.value > max)) {
        msg = rangeMsg.replace("{min}", String(min)).replace("{max}", String(max));
      }
      input.classList.toggle("invalid", msg !== "");
      input.setCustomValidity(msg);
      input.title = msg;
      if (msg) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
      return msg === "";
    }

    function refreshStatus() {
      var bad = form.querySelectorAll("input.cell-input.invalid").length;
      if (status) { status.textContent = bad ? badMsg.replace("{n}", String(bad)) : ""; }
    }

    function find(r, c, dr, dc) {
      for (;;) {
        r += dr; c += dc;
        if (r < 0 || r >= rows.length) { return null; }
        if (c < 0 || c >= rows[r].length) {
          if (dc === 0) { return null; }
          r += dc; c = dc > 0 ? 0 : (rows[r] ? rows[r].length - 1 : 0);  // wrap to the next / previous row
          if (r < 0 || r >= rows.length) { return null; }
          c -= dc;
          continue;
        }
        if (rows[r][c]) { return rows[r][c]; }
      }
    }

    rows.forEach(function (cells, r) {
      cells.forEach(function (input, c) {
        if (!input) { return; }
        input.dataset.r = r; input.dataset.c = c;
        input.addEventListener("focus", function () { input.select(); });
        input.addEventListener("input", function () { check(input); refreshStatus(); });
        input.addEventListener("keydown", function (event) {
          var move = null;
          var atStart = input.selectionStart === 0 && input.selectionEnd === 0;
          var atEnd = input.selectionStart === input.value.length;
          var whole = input.selectionStart === 0 && input.selectionEnd === input.value.length;
          switch (event.key) {
            case "ArrowUp": move = [-1, 0]; break;
            case "ArrowDown": move = [1, 0]; break;
            case "Enter": move = event.shiftKey ? [-1, 0] : [1, 0]; break;
            case "ArrowLeft": if (atStart || whole) { move = [0, -1]; } break;
            case "ArrowRight": if (atEnd || whole) { move = [0, 1]; } break;
            default: break;
          }
          if (!move) { return; }
          event.preventDefault();  // Enter must not submit the form
          var next = find(r, c, move[0], move[1]);
          if (next) { next.focus(); }
        });
        check(input);
      });
    });
    refreshStatus();

    form.addEventListener("submit", function (event) {
      var bad = form.querySelector("input.cell-input.invalid");
      if (bad) { event.preventDefault(); bad.focus(); refreshStatus(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-value-grid]").forEach(setup);
  });
})();
