"""OpenAPI schema: document the error answers every operation can give.

drf-spectacular documents the success answers a view declares. The errors come from the shared
machinery (accounts.permissions, core.exceptions, pagination, the filters), the same for every view,
so they are added here once, to every operation they can come from; a view that documents one of
these codes itself keeps its own.
"""

from django.utils.translation import gettext as _

ERROR_COMPONENT = "ErrorResponse"
WRITE_METHODS = {"post", "put", "patch", "delete"}


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}
        },
    }


def _error_codes(method: str, operation: dict) -> dict[str, str]:
    parameters = operation.get("parameters", [])
    query = {p["name"] for p in parameters if p["in"] == "query"}
    in_path = any(p["in"] == "path" for p in parameters)
    anonymous = {} in operation.get("security", [{}])
    codes = {}
    if "requestBody" in operation or query:
        codes["400"] = str(_("输入无效：字段或查询参数不符合要求。"))
    if not anonymous:
        codes["401"] = str(_("未登录或令牌无效。"))
        codes["403"] = str(_("当前角色无权执行此操作。"))
    if in_path or query & {"page", "format"}:
        codes["404"] = str(_("记录不存在或不在本账号的区域内（或页码、格式无效）。"))
    if method in WRITE_METHODS and not anonymous:
        codes["409"] = str(_("记录当前的状态不允许此操作，或仍有关联记录。"))
    return codes


def document_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = {
        "type": "object",
        "description": str(_("错误：detail 为说明；输入无效时每个出错字段对应一个说明列表。")),
        "properties": {
            "detail": {
                "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
            }
        },
        "additionalProperties": True,
    }
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in _error_codes(method, operation).items():
                responses.setdefault(code, _error(description))
    return result
