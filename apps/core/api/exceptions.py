"""Service-layer errors become API errors: ValidationError → 400 with field messages; input the
database refuses (DataError) → 400; a body that cannot be parsed (ParseError) → 400 with the
same shape. Every 400 is an object of field → list of messages (the ``FieldErrors`` component
of the schema, ``apps/core/api/schema.py``): messages that belong to no field are under
``non_field_errors``."""

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
    if isinstance(exc, exceptions.ParseError):
        # A body that is not valid JSON (or form data): DRF answers {"detail": "JSON parse error
        # - ..."}, which is not the documented 400 shape.
        exc = exceptions.ValidationError({"non_field_errors": [f"请求内容无法解析：{exc.detail}"]})
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == 400 and isinstance(response.data, list):
        # ``raise ValidationError("...")`` without a field gives a bare list.
        response.data = {"non_field_errors": response.data}
    return response
