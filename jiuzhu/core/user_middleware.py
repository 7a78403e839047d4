"""An account whose password an administrator set or reset (`must_change_password`, core/user_services.py)
reaches only the password change until it has chosen its own: every other page leads there, and the API
answers 403 for its session."""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

MESSAGE = "请先修改管理员设定的初始密码"


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            allowed = (reverse("core:password_change"), reverse("core:logout"), reverse("core:login"))
            path = request.path
            if path.startswith("/api/"):
                return JsonResponse({"code": "password_change_required", "message": MESSAGE}, status=403)
            if path not in allowed and not path.startswith("/static/"):
                return redirect("core:password_change")
        return self.get_response(request)
