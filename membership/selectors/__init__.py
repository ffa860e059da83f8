"""The club's reads: members (members.py); the ledger's and growth's reads sit beside it."""
