import ipaddress

from django.conf import settings

from jiuzhu.core.context_vars import current_ip, current_token_id

# The API docs page (swagger-ui, served locally) sets element styles from script.
_DOCS_CSP = settings.CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class ContentSecurityPolicyMiddleware:
    """A CSP with no external origin on every response, plus a permissions policy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = _DOCS_CSP if request.path.startswith("/api/v1/docs") else settings.CONTENT_SECURITY_POLICY
        response.setdefault("Content-Security-Policy", policy)
        response.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
        if request.user.is_authenticated if hasattr(request, "user") else False:
            response.setdefault("Cache-Control", "no-store")  # personal data must not sit in caches
        return response


def client_ip(request) -> str | None:
    """The client's address, for audit rows and the sign-in lockout (AXES_CLIENT_IP_CALLABLE).

    REMOTE_ADDR, unless TRUSTED_PROXY_COUNT proxies stand in front: then the address the outermost
    of them saw, i.e. the N-th entry from the right of X-Forwarded-For (entries further left were
    written by the client and are not trusted)."""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= count:
            try:
                return str(ipaddress.ip_address(forwarded[-count]))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    """Keeps the client IP for audit rows written inside services."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ip = client_ip(request)
        ip_token = current_ip.set(ip)
        token_token = current_token_id.set(None)
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(ip_token)
            current_token_id.reset(token_token)
