"""Service-layer errors become API errors: ValidationError → 400 with field messages; input the
database refuses (DataError) → 400."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DataError):
        # Input the database cannot hold (a NUL character in a lookup, a number out of range)
        # is bad input, not a server error.
        exc = exceptions.ValidationError({"non_field_errors": ["输入包含数据库无法保存的字符或数值。"]})
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)
