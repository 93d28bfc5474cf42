"""The error answers every operation can give, written into the OpenAPI schema.

drf-spectacular documents the success answer of each operation; the refusals come from
the base classes (``ScopedPermission``, the scoping layer, services' ``ValidationError``)
and so apply everywhere. This post-processing hook adds them once, from one place:
401 (not signed in), 403 (signed in, not allowed), 404 on a detail URL (missing, or
outside the caller's scope: the two look the same), and 400 with field messages where
the operation takes input (a body, or query parameters that are validated).

Paginated lists (a ``page`` query parameter) also answer 404 for a page past the end, and
the pagination's bounds are written on its parameters (``page`` from 1, ``page_size`` from 1
to ``StandardPagination.max_page_size``): outside them the answer is 400.
"""

from apps.core.api.pagination import StandardPagination

ERROR_COMPONENT = "ErrorDetail"
FIELD_ERRORS_COMPONENT = "FieldErrors"

ERROR_SCHEMAS = {
    ERROR_COMPONENT: {
        "type": "object",
        "properties": {"detail": {"type": "string", "description": "原因（中文）"}},
        "required": ["detail"],
    },
    # A nested field answers its own field errors (an object), a nested list one per item.
    FIELD_ERRORS_COMPONENT: {
        "type": "object",
        "description": "字段名 → 错误信息列表；与字段无关的错误在 non_field_errors 中；"
        "嵌套字段给出其自身的字段错误（对象），嵌套列表逐项给出。",
        "additionalProperties": {
            "anyOf": [
                {
                    "type": "array",
                    "items": {
                        "anyOf": [
                            {"type": "string"},
                            {"$ref": f"#/components/schemas/{FIELD_ERRORS_COMPONENT}"},
                        ]
                    },
                },
                {"$ref": f"#/components/schemas/{FIELD_ERRORS_COMPONENT}"},
            ]
        },
    },
}
DESCRIPTIONS = {
    "400": "输入有误（按字段给出中文说明），未写入任何数据",
    "401": "未登录或令牌无效",
    "403": "无权进行此操作",
    "404": "不存在，或不在您的管辖范围内",
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _answer(code: str) -> dict:
    schema = _ref(FIELD_ERRORS_COMPONENT if code == "400" else ERROR_COMPONENT)
    return {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": schema}}}


def _bound_pagination(parameters: list) -> None:
    for parameter in parameters:
        if parameter.get("in") != "query" or "schema" not in parameter:
            continue
        if parameter.get("name") == StandardPagination.page_query_param:
            parameter["schema"].setdefault("minimum", 1)
        elif parameter.get("name") == StandardPagination.page_size_query_param:
            parameter["schema"].setdefault("minimum", 1)
            parameter["schema"].setdefault("maximum", StandardPagination.max_page_size)


def document_error_responses(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS entry."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            _bound_pagination(operation.get("parameters", []))
            paginated = any(
                p.get("in") == "query" and p.get("name") == "page" for p in operation.get("parameters", [])
            )
            codes = ["401", "403"]
            if "{" in path or paginated:
                codes.append("404")
            takes_input = "requestBody" in operation or any(
                p.get("in") == "query" for p in operation.get("parameters", [])
            )
            if takes_input or method in {"post", "put", "patch"}:
                codes.append("400")
            for code in codes:
                responses.setdefault(code, _answer(code))
    return result
