"""Signals customers sends so that the apps above it can react without customers importing them.

`contract_signed(contract=...)`: a contract has become signed (created with a signing date, or given
one later). Sent by customers.services inside the transaction that saves the signing, so a receiver's
writes commit or roll back with it; receivers must be quick and must not swallow the rollback of the
signing (raise, don't catch). The club (membership) links the buyer's membership and attributes
referrals from its AppConfig.ready(). Bulk imports of historical contracts send nothing of it.

`contracts_bulk_written(contract_ids=..., buyer_ids=...)`: contracts created or changed by a bulk write
that skipped their save() (the Excel import), sent inside its transaction: tables kept in step with
contracts by post_save (the club's purchases) recompute these buyers'.
"""

from django.dispatch import Signal

contract_signed = Signal()
contracts_bulk_written = Signal()
