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
