"""The public push pages (/xunqin/, no sign-in, phone first): subscribe to the notices of a place (email or SMS,
confirmed by a link or a code), and the one-click unsubscribe link every pushed message carries (GET shows the
button, POST unsubscribes: a mail scanner opening the link unsubscribes nobody). Thin: rules in push_services."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from jiuzhu.core.errors import DomainError, invalid
from jiuzhu.core.middleware import client_ip
from jiuzhu.core.models import Region, RegionLevel
from jiuzhu.familysearch import push_services as svc
from jiuzhu.familysearch.matching.regions import region_code_from_text
from jiuzhu.familysearch.push_models import PushChannel, SubscriberKind

SESSION_KEY = "xunqin_push_subscriber"
FIELDS = ("channel", "address", "region", "latitude", "longitude", "radius_km", "kind")
MAX_BODY = 16 * 1024  # the form is a few short fields: anything bigger is refused before it is parsed


def region_by_name(text: str) -> Region | None:
    """A province, city or county by its name ("隆回县", "湖南省邵阳市隆回县"), else read by cpca ("湖南隆回")."""
    text = " ".join((text or "").split())[:60]
    if not text:
        return None
    levels = [RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY]
    found = list(Region.objects.filter(Q(full_name=text) | Q(name=text), level__in=levels)[:2])
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise invalid("有多个同名地区，请写上所属省市，如“湖南省邵阳市隆回县”", "region")
    code = region_code_from_text(text)
    region = Region.objects.filter(code=code).first() if code else None
    if region is None:
        raise invalid("没有找到这个地区，请写省、市或县（区）的名称，或填写经纬度", "region")
    return region


def _form(request, *, values=None, errors=None, status=200):
    channels = [(c.value, c.label) for c in (PushChannel.EMAIL, PushChannel.SMS)
                if c != PushChannel.EMAIL or settings.PUSH_EMAIL_ENABLED]
    return render(request, "familysearch/push/subscribe.html", {
        "values": values or {"channel": channels[0][0], "radius_km": "50"}, "errors": errors or {},
        "channels": channels,
        "kinds": SubscriberKind.choices}, status=status)


def _too_big(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY
    except ValueError:
        return True


@csrf_exempt  # checked by csrf_protect below, once the body is known to be small (CSRF reads the body)
@never_cache
@require_http_methods(["GET", "POST"])
def subscribe(request):
    if request.method != "POST":
        return _form(request)
    if _too_big(request):
        return _form(request, errors={"form": "提交的内容过长"}, status=413)
    return _subscribe_post(request)


@csrf_protect
def _subscribe_post(request):
    values = {f: (request.POST.get(f) or "").strip()[:200] for f in FIELDS}
    try:
        region = region_by_name(values["region"]) if values["region"] else None
        subscriber = svc.push_subscribe(channel=values["channel"], address=values["address"], region=region,
                                        latitude=values["latitude"], longitude=values["longitude"],
                                        radius_km=values["radius_km"], kind=values["kind"],
                                        client_address=client_ip(request))
    except DomainError as exc:
        status = 429 if exc.code == "rate_limited" else 400
        return _form(request, values=values, errors={exc.field or "form": exc.message}, status=status)
    request.session[SESSION_KEY] = subscriber.pk
    if subscriber.channel == PushChannel.SMS:
        return redirect("xunqin_push:confirm_code")
    return render(request, "familysearch/push/message.html", {
        "title": "请查收确认邮件",
        "text": f"确认邮件已发往 {subscriber.address_hint}，请在 24 小时内打开邮件中的链接完成订阅。"})


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def confirm_code(request):
    subscriber_id = request.session.get(SESSION_KEY)
    if not subscriber_id:
        return redirect("xunqin_push:subscribe")
    error, status = "", 200
    if request.method == "POST":
        try:
            svc.push_confirm_code(subscriber_id=subscriber_id, code=request.POST.get("code", "")[:20])
        except DomainError as exc:
            error, status = exc.message, 400
        else:
            request.session.pop(SESSION_KEY, None)
            return _confirmed(request)
    return render(request, "familysearch/push/code.html", {"error": error}, status=status)


def _confirmed(request):
    return render(request, "familysearch/push/message.html", {
        "title": "订阅成功", "text": "您关注的地区有新的寻亲公告时，我们会推送给您。每条消息都带有一键退订链接。"})


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def confirm_link(request, token: str):
    if request.method != "POST":
        return render(request, "familysearch/push/confirm.html", {"action": "confirm"})
    try:
        svc.push_confirm_link(token=token)
    except DomainError as exc:
        return render(request, "familysearch/push/message.html", {"title": "无法确认", "text": exc.message},
                      status=400)
    return _confirmed(request)


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    if request.method != "POST":
        subscriber = svc.subscriber_by_unsubscribe_token(token)
        return render(request, "familysearch/push/confirm.html", {"action": "unsubscribe", "subscriber": subscriber})
    svc.push_unsubscribe(token=token)
    return render(request, "familysearch/push/message.html", {
        "title": "已退订", "text": "您不会再收到寻亲公告推送。如需再次订阅，可随时重新填写订阅表。"})
