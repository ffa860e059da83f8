"""Excel import of units and their customers (one row per unit + customer), as the sales system exports them.

Two passes: every row is parsed and checked first, against the same validators and model `clean()`
methods the services use; only a file without a single error is written, in one transaction, with
`bulk_create` in batches. Existing rows are found by their natural keys (city company code or name,
project code or name, building number, unit code, customer ID-number hash), so importing the same
file twice writes nothing the second time.

One module per step: workbook (reading within limits, the import itself, the template), rows (the
columns; cells parsed and checked), matching (pass 1: rows against the database), writing (pass 2),
report (errors and counts). The import's entry points are re-exported here.
"""

from .report import ImportResult, RowError
from .rows import COLUMNS, TEMPLATE_HEADERS
from .workbook import ImportFileError, check_workbook_archive, customer_workbook_import, workbook_template

__all__ = [
    "COLUMNS",
    "TEMPLATE_HEADERS",
    "ImportFileError",
    "ImportResult",
    "RowError",
    "check_workbook_archive",
    "customer_workbook_import",
    "workbook_template",
]
