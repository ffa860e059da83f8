// Small progressive touches; every page works without this file.
const isTyping = (target) => Boolean(target.closest?.("input, textarea, select, [contenteditable]"));

document.addEventListener("keydown", (event) => {
  // "/" focuses the global search box, as in most web tools, unless the agent is typing somewhere.
  const target = event.target;
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  if (isTyping(target)) return;
  const search = document.getElementById("global-search");
  if (search) {
    event.preventDefault();
    search.focus();
    search.select();
  }
});

// No inline handlers (the Content-Security-Policy forbids them): forms ask with data-confirm,
// buttons print with data-print.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset?.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// Lists ([data-keynav]: a table's body rows or a list's items): j / ArrowDown and k / ArrowUp move the
// highlighted row, Enter opens it. The row's link takes the focus, so a screen reader reads it and
// Enter is the link's own; the row is marked aria-current. Never while typing, nor inside a menu.
const NEXT_KEYS = new Set(["j", "ArrowDown"]);
const PREVIOUS_KEYS = new Set(["k", "ArrowUp"]);
const rowLink = (row) => row.querySelector("a.crm-row-link") || row.querySelector("a[href]");

function keyedRows() {
  const list = document.querySelector("[data-keynav]");
  if (!list) return [];
  return [...list.querySelectorAll(":scope > tbody > tr, :scope > li")].filter(rowLink);
}

function highlightRow(rows, index) {
  rows.forEach((row, at) => {
    row.classList.toggle("crm-row-active", at === index);
    if (at === index) row.setAttribute("aria-current", "true");
    else row.removeAttribute("aria-current");
  });
  rowLink(rows[index]).focus({ preventScroll: true });
  rows[index].scrollIntoView({ block: "nearest" });
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.shiftKey || event.defaultPrevented) return;
  const target = event.target;
  if (isTyping(target) || target.closest?.(".dropdown-menu, [role=menu], .modal")) return;
  const moves = NEXT_KEYS.has(event.key) ? 1 : PREVIOUS_KEYS.has(event.key) ? -1 : 0;
  if (!moves && event.key !== "Enter") return;
  const rows = keyedRows();
  if (!rows.length) return;
  const focused = rows.findIndex((row) => row.contains(document.activeElement));
  const current = focused >= 0 ? focused : rows.findIndex((row) => row.classList.contains("crm-row-active"));
  if (event.key === "Enter") {
    // On a link or a button Enter is already theirs; elsewhere it opens the highlighted row.
    if (current < 0 || target.closest?.("a[href], button")) return;
    event.preventDefault();
    rowLink(rows[current]).click();
    return;
  }
  // From a link or button outside the list, the arrows keep their usual meaning (scroll); j/k move.
  if (current < 0 && event.key.startsWith("Arrow") && target.closest?.("a[href], button")) return;
  event.preventDefault();
  const next = current < 0 ? 0 : Math.min(Math.max(current + moves, 0), rows.length - 1);
  highlightRow(rows, next);
});
