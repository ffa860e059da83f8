"""Logging filters named in crm.settings.LOGGING, and the error reports' filter
(DEFAULT_EXCEPTION_REPORTER_FILTER): no clear phone or ID number leaves in a log line or an error email."""

import logging

from django.template.defaultfilters import pprint
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from .masking import mask_personal_numbers


class NoTracebackFor403(logging.Filter):
    """A refused request is a line in the log, not a traceback: it is the permission check working."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True


class MaskPersonalData(logging.Filter):
    """Every mobile and resident ID number in a record's message and traceback masked (PIPL): a log is
    read by operators and shipped to other systems, and the reveal log cannot follow it. The message is
    formatted here (its arguments folded in) so that an argument cannot carry a number past the mask."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: the handler will say so itself
            return True
        masked = mask_personal_numbers(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_numbers(record.stack_info)
        return True


class PersonalDataReporterFilter(SafeExceptionReporterFilter):
    """The error report (the ADMINS email, the debug page) with the request's form fields and the
    frames' variables masked where they hold a mobile or ID number, besides Django's secret settings."""

    def get_post_parameters(self, request):
        parameters = super().get_post_parameters(request)
        if not parameters:
            return parameters
        masked = parameters.copy()
        for key, values in parameters.lists():
            masked.setlist(key, [mask_personal_numbers(value) for value in values])
        return masked

    def get_safe_request_meta(self, request):
        return {
            key: mask_personal_numbers(value) if isinstance(value, str) else value
            for key, value in super().get_safe_request_meta(request).items()
        }

    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, _masked_value(value))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]


def _masked_value(value):
    """A frame's variable as the report shows it (pprint), masked when that text holds a number."""
    if isinstance(value, str):
        return mask_personal_numbers(value)
    try:
        text = pprint(value)
    except Exception:  # the report shows its own placeholder for a value that cannot be printed
        return value
    masked = mask_personal_numbers(text)
    return masked if masked != text else value


class PersonalDataExceptionReporter(ExceptionReporter):
    """The error report (DEFAULT_EXCEPTION_REPORTER) with the exception's own words and the query string
    masked too: "no customer with phone 138…" is the typical message of a lookup that failed."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        if isinstance(data.get("exception_value"), str):
            data["exception_value"] = mask_personal_numbers(data["exception_value"])
        if data.get("request_GET_items"):
            data["request_GET_items"] = [
                (key, mask_personal_numbers(value) if isinstance(value, str) else value)
                for key, value in data["request_GET_items"]
            ]
        for frame in data.get("frames", []):
            if frame.get("exc_cause") is not None:
                frame["exc_cause"] = mask_personal_numbers(str(frame["exc_cause"]))
        return data
