"""The error answers every operation can give, written into the OpenAPI schema.

drf-spectacular documents the success answer of each operation; the refusals come from
the base classes (``ScopedPermission``, the scoping layer, services' ``ValidationError``)
and so apply everywhere. This post-processing hook adds them once, from one place:
401 (not signed in), 403 (signed in, not allowed), 404 on a detail URL (missing, or
outside the caller's scope: the two look the same), and 400 with field messages where
the operation takes input (a body, or query parameters that are validated).
"""

ERROR_COMPONENT = "ErrorDetail"
FIELD_ERRORS_COMPONENT = "FieldErrors"

ERROR_SCHEMAS = {
    ERROR_COMPONENT: {
        "type": "object",
        "properties": {"detail": {"type": "string", "description": "原因（中文）"}},
        "required": ["detail"],
    },
    FIELD_ERRORS_COMPONENT: {
        "type": "object",
        "description": "字段名 → 错误信息列表；与字段无关的错误在 non_field_errors 中。",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
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


def document_error_responses(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS entry."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            codes = ["401", "403"]
            if "{" in path:
                codes.append("404")
            takes_input = "requestBody" in operation or any(
                p.get("in") == "query" for p in operation.get("parameters", [])
            )
            if takes_input or method in {"post", "put", "patch"}:
                codes.append("400")
            for code in codes:
                responses.setdefault(code, _answer(code))
    return result
