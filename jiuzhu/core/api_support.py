"""What every app's API shares: authentication (session or department token) and the error shape
{"code", "message" (Chinese), "errors": [{"path", "message"}]}."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from jiuzhu.core.audit import audit
from jiuzhu.core.auth import user_for_token
from jiuzhu.core.context_vars import current_token_id
from jiuzhu.core.errors import DomainError, invalid
from jiuzhu.core.models import AuditAction


class DepartmentToken(HttpBearer):
    """`Authorization: Bearer jz_...` issued to an organisation; acts as its service account."""

    def authenticate(self, request, token):
        found = user_for_token(token)
        if found is None:
            return None
        user, api_token = found
        request.user = user
        current_token_id.set(api_token.pk)
        audit(AuditAction.TOKEN_USED, actor=user, obj=api_token,
              detail={"method": request.method, "path": request.path})
        return user


class StaffSession(SessionAuth):
    """Browser session (CSRF-checked by ninja for unsafe methods)."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and not user.is_service_account else None


# The token first: a request carrying `Authorization: Bearer` is a department system, not a browser,
# and must not be refused by the session's CSRF check. Without the header the token auth answers
# None at once and the session (CSRF-checked for POST, PUT, PATCH, DELETE) decides.
AUTH = [DepartmentToken(), StaffSession()]

# Pydantic's English error types, said in Chinese.
_PYDANTIC_MESSAGES = {
    "missing": "必填",
    "string_too_long": "内容过长",
    "string_too_short": "内容过短",
    "int_parsing": "应为整数",
    "decimal_parsing": "应为数字",
    "float_parsing": "应为数字",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "bool_parsing": "应为是或否",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "greater_than": "数值过小",
    "less_than": "数值过大",
}


def error_body(code: str, message: str, errors: list[dict] | None = None) -> dict:
    return {"code": code, "message": message, "errors": errors or []}


def _pydantic_errors(exc: ValidationError) -> list[dict]:
    out = []
    for err in exc.errors:
        path = ".".join(str(p) for p in err.get("loc", ()))
        kind = err.get("type", "")
        if kind == "value_error":
            message = str(err.get("ctx", {}).get("error") or err.get("msg", "")).removeprefix("Value error, ")
        else:
            message = _PYDANTIC_MESSAGES.get(kind, "格式不正确")
        out.append({"path": path, "message": message})
    return out


def install_error_handlers(api) -> None:
    @api.exception_handler(ValidationError)
    def _validation(request, exc):
        errors = _pydantic_errors(exc)
        first = errors[0] if errors else {"path": "", "message": ""}
        return api.create_response(
            request, error_body("validation_error", f"提交的数据有误：{first['path']} {first['message']}", errors),
            status=422)

    @api.exception_handler(DomainError)
    def _domain(request, exc):
        # A rule that refuses the actor (not the data) is 403 in the one shape, wherever it is raised.
        status = 403 if exc.code == "forbidden" else 400
        return api.create_response(request, error_body(exc.code, exc.message, exc.errors), status=status)

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return api.create_response(request, error_body("not_found", "记录不存在或不在您的管辖范围内"), status=404)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc):
        return api.create_response(request, error_body("unauthenticated", "未登录，或接口令牌无效、已吊销"), status=401)

    @api.exception_handler(PermissionDenied)
    def _forbidden(request, exc):
        return api.create_response(request, error_body("forbidden", str(exc) or "无权进行此操作"), status=403)

    @api.exception_handler(HttpError)
    def _http(request, exc):
        # django-ninja's own refusals are English; say them in Chinese.
        if exc.status_code == 403 and "CSRF" in str(exc):
            message = "安全校验（CSRF）未通过：浏览器请求须带 X-CSRFToken 头；部门系统请用接口令牌"
            return api.create_response(request, error_body("csrf_failed", message), status=403)
        if exc.status_code == 400 and "parse" in str(exc):
            return api.create_response(request, error_body("bad_request", "请求内容无法解析，应为 JSON"), status=400)
        return api.create_response(request, error_body("error", str(exc)), status=exc.status_code)


def page_bounds(limit: int | None, offset: int | None, *, default: int = 50, maximum: int = 200) -> tuple[int, int]:
    """One page of an API list by limit and offset: the bounds checked, a Chinese 400 naming the parameter."""
    limit = default if limit is None else limit
    offset = 0 if offset is None else offset
    if limit < 1 or limit > maximum:
        raise invalid(f"每页条数应在 1 到 {maximum} 之间", "limit")
    if offset < 0:
        raise invalid("起始位置不能为负数", "offset")
    return limit, offset
