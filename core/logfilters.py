"""Logging filters named in crm.settings.LOGGING."""

import logging


class NoTracebackFor403(logging.Filter):
    """A refused request is a line in the log, not a traceback: it is the permission check working."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
