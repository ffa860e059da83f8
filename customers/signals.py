"""Signals that customers sends so that higher apps can react without customers importing them.

`contract_signed(sender=Contract, contract=<Contract>)`: a contract has just become signed (created
with a signing date, or given one), sent inside the transaction that saves it, so a receiver's writes
commit or roll back with the signing. Receivers: the club (membership) attributes a referral and
links the member. Bulk writers (the Excel import, demo and bench data) do not send it.
"""

from django.dispatch import Signal

contract_signed = Signal()
