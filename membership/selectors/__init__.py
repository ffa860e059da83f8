"""The club's reads, one module per concept (members, ledger, benefits, care, …)."""
