// Keyboard shortcuts: an element marked data-shortcut="x" answers the key x ("/" focuses the person
// search; on the duplicate review, a / r / s press the decision buttons), unless the agent is typing.
document.addEventListener("keydown", function (event) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1) return;
  var target = event.target;
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) && target.type !== "radio")) return;
  var element = document.querySelector('[data-shortcut="' + CSS.escape(event.key) + '"]');
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
