// Keyboard shortcuts: an element marked data-shortcut="x" answers the key x ("/" focuses the person
// search; on the duplicate review, a / r / s press the decision buttons), unless the agent is typing.
// While a dialog is open, only its own shortcuts answer (the merge is confirmed by pressing a again).
document.addEventListener("keydown", function (event) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1) return;
  var target = event.target;
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) && target.type !== "radio")) return;
  var root = document.querySelector("dialog[open]") || document;
  var element = root.querySelector('[data-shortcut="' + CSS.escape(event.key) + '"]');
  if (!element) return;
  event.preventDefault();
  if (element.tagName === "INPUT") { element.focus(); element.select(); } else { element.click(); }
});

// A form with errors comes back as 422 with the re-rendered form: htmx must show it.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.htmx) return;
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true },
    { code: "[45]..", swap: false, error: true },
  ];
});

// A button marked data-confirm="dialog-id" asks first: the dialog opens as a modal (focus moves to
// its confirm button, Escape or "Annuler" closes it and gives focus back to the button). Without
// script the form posts unconfirmed and the server asks on a page of its own.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-confirm]");
  if (!button) return;
  var dialog = document.getElementById(button.getAttribute("data-confirm"));
  if (!dialog || typeof dialog.showModal !== "function") return;
  event.preventDefault();
  dialog.showModal();
  var confirm = dialog.querySelector("[data-confirm-submit]");
  if (confirm) confirm.focus();
  dialog.addEventListener("close", function () { button.focus(); }, { once: true });
});
document.addEventListener("click", function (event) {
  var closer = event.target.closest && event.target.closest("[data-dialog-close]");
  if (closer) closer.closest("dialog").close();
  var confirm = event.target.closest && event.target.closest("[data-confirm-submit]");
  if (confirm && confirm.form) {
    var flag = confirm.form.querySelector("[data-confirmed]");
    if (flag) flag.value = "1";
  }
});

// Content loaded by htmx in place of the element that asked ("Afficher plus"): keyboard focus goes
// to the element named by data-focus-after-swap (the first new item), not back to <body>.
document.addEventListener("htmx:afterSwap", function (event) {
  var asking = event.detail.requestConfig && event.detail.requestConfig.elt;
  var id = asking && asking.getAttribute && asking.getAttribute("data-focus-after-swap");
  var next = id && document.getElementById(id);
  if (next) next.focus();
});

// Wide tables scroll inside a region named after their caption, so a 375 px screen scrolls the
// table, not the page; the region takes keyboard focus only when it does scroll.
function relaisWrapTables(root) {
  var tables = Array.prototype.slice.call(root.querySelectorAll ? root.querySelectorAll("main table") : []);
  if (root.matches && root.matches("main table")) tables.push(root);
  tables.forEach(function (table) {
    if (table.parentElement.classList.contains("table-scroll")) return;
    var region = document.createElement("div");
    region.className = "table-scroll";
    table.parentNode.insertBefore(region, table);
    region.appendChild(table);
    if (region.scrollWidth > region.clientWidth) {
      var caption = table.querySelector("caption");
      region.setAttribute("role", "region");
      region.setAttribute("aria-label", caption ? caption.textContent.trim() : "Tableau");
      region.setAttribute("tabindex", "0");
    }
  });
}
document.addEventListener("DOMContentLoaded", function () { relaisWrapTables(document); });
document.addEventListener("htmx:load", function (event) { relaisWrapTables(event.target); });

// A form sent back with errors: focus goes to the summary marked data-focus-on-load, whose links
// lead to each question (a long questionnaire would otherwise leave the keyboard at the top).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) summary.focus();
});

// The weekly counting grid (table[data-count-grid]), typed like a spreadsheet: Enter or ↓ moves to
// the cell below, ↑ above, ← → to the neighbouring cells (arrows no longer step the number); the
// totals follow what is typed. Without script, Enter saves the grid and the server adds up.
document.addEventListener("keydown", function (event) {
  var input = event.target;
  if (!input.matches || !input.matches("table[data-count-grid] input") || event.altKey || event.ctrlKey || event.metaKey) return;
  var moves = { Enter: [1, 0], ArrowDown: [1, 0], ArrowUp: [-1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  var move = moves[event.key];
  if (!move || (event.key === "Enter" && event.shiftKey)) return;
  event.preventDefault();
  var cell = input.closest("td");
  var row = cell.parentElement;
  var rows = Array.prototype.slice.call(input.closest("tbody").rows);
  var cells = Array.prototype.slice.call(row.querySelectorAll("td input"));
  var r = rows.indexOf(row) + move[0];
  var c = cells.indexOf(input) + move[1];
  if (r < 0 || r >= rows.length) return;
  var target = rows[r].querySelectorAll("td input")[c];
  if (target) { target.focus(); target.select(); }
});
document.addEventListener("input", function (event) {
  var table = event.target.closest && event.target.closest("table[data-count-grid]");
  if (!table) return;
  var cell = event.target.closest("td");
  if (cell.classList.contains("is-prefilled")) {  // typed over: no longer a proposal
    cell.classList.remove("is-prefilled");
    var mark = cell.querySelector(".grid-prefill-mark");
    if (mark) mark.remove();
    var described = (event.target.getAttribute("aria-describedby") || "").replace("prefill-help", "").trim();
    if (described) event.target.setAttribute("aria-describedby", described); else event.target.removeAttribute("aria-describedby");
  }
  var value = function (input) { var n = parseInt(input.value, 10); return isNaN(n) || n < 0 ? 0 : n; };
  var columns = {};
  var grand = 0;
  Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
    var sum = 0;
    Array.prototype.forEach.call(row.querySelectorAll("td input"), function (input) {
      var n = value(input);
      sum += n;
      columns[input.dataset.column] = (columns[input.dataset.column] || 0) + n;
    });
    row.querySelector("[data-row-total]").textContent = sum;
    grand += sum;
  });
  Array.prototype.forEach.call(table.querySelectorAll("[data-column-total]"), function (cell) {
    cell.textContent = columns[cell.dataset.columnTotal] || 0;
  });
  table.querySelector("[data-grand-total]").textContent = grand;
});
