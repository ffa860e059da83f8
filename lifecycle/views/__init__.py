"""Staff pages of the registers, under /lifecycle/ (namespace `lifecycle`): a project's commitments,
a contract's commitments with add and settle forms, a project's risk page."""
