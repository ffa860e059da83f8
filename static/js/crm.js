// Small progressive touches; every page works without this file.
document.addEventListener("keydown", (event) => {
  // "/" focuses the global search box, as in most web tools, unless the agent is typing somewhere.
  const target = event.target;
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  if (target.closest("input, textarea, select, [contenteditable]")) return;
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
