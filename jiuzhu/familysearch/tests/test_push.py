"""Geo-targeted push (定向推送): targeting by radius around the found place and the home region, dedup, channels
(email through locmem, SMS through core.sms, webhook against a real local HTTP server), retry and give-up,
unsubscribe, the public subscribe form and the station's page with its guards."""

import datetime as dt
import json
import math
import secrets
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from jiuzhu.core.crypto import encrypt_text
from jiuzhu.core.errors import DomainError
from jiuzhu.core.events import record_event
from jiuzhu.core.models import AuditLog, Event
from jiuzhu.core.sms import OutboxBackend, SmsError
from jiuzhu.familysearch import push_services as svc
from jiuzhu.familysearch import worklist
from jiuzhu.familysearch.events import FamilySearchEvent
from jiuzhu.familysearch.push_channels import PUBLIC_FIELDS
from jiuzhu.familysearch.push_models import DeliveryStatus, PushAttempt, PushDelivery, PushSubscriber
from jiuzhu.familysearch.push_sending import send_due
from jiuzhu.familysearch.push_targeting import KM_PER_DEG, push_from_notice_event

pytestmark = pytest.mark.django_db

LONGHUI = (27.113978, 111.032437)  # 隆回县 centroid (cpca): the station's region, the notice's found region
QILIAN = (38.177112, 100.253211)  # 祁连县 (632222): the client's accent region in some tests


def east(point, km):
    """A point `km` kilometres due east of `point`."""
    lat, lon = point
    return lat, lon + km / (KM_PER_DEG * math.cos(math.radians(lat)))


def subscriber(point, radius_km, *, channel="email", address=None, active=True, confirmed=True):
    address, hint = svc._normalise(channel, address or f"u{secrets.token_hex(3)}@example.cn")
    return PushSubscriber.objects.create(
        channel=channel, address_cipher=encrypt_text(address), address_hash=svc.address_hash(channel, address),
        address_hint=hint, latitude=point[0], longitude=point[1], radius_km=radius_km, active=active,
        confirmed=confirmed, unsubscribe_token=secrets.token_urlsafe(32))


def publish(notice, revision=1):
    """NOTICE_PUBLISHED as the notices' services record it; the handler called with the event, as the outbox does."""
    event = record_event(kind=FamilySearchEvent.NOTICE_PUBLISHED, subject=notice,
                         payload={"notice_id": notice.pk, "revision": revision})
    return push_from_notice_event(event)


def targeted(notice):
    return set(PushDelivery.objects.filter(notice=notice).values_list("subscriber_id", flat=True))


def test_radius_around_found_place_and_home_region_and_no_second_push(published_notice):
    notice = published_notice(home="632222")
    near = subscriber(east(LONGHUI, 8), 10)  # 8 km from the found place, radius 10: in
    short = subscriber(east(LONGHUI, 12), 10)  # 12 km, radius 10: out
    wide = subscriber(east(LONGHUI, 400), 450)  # far, but its own radius reaches: in
    home = subscriber(east(QILIAN, 30), 50)  # near the suspected home region: in
    subscriber(east(LONGHUI, 1), 10, confirmed=False)  # never confirmed: out
    subscriber(east(LONGHUI, 1), 10, active=False)  # unsubscribed: out
    assert publish(notice) == 3
    assert targeted(notice) == {near.pk, wide.pk, home.pk}
    assert short.pk not in targeted(notice)
    assert publish(notice) == 0  # the same publication again (a redelivered event): nothing new
    assert PushDelivery.objects.filter(notice=notice).count() == 3
    assert Event.objects.filter(kind=FamilySearchEvent.PUSH_TARGETED, subject_id=str(notice.pk)).count() == 1
    notice.revision = 2
    notice.save(update_fields=["revision"])
    assert publish(notice, revision=2) == 3  # the monthly refresh is pushed again
    assert publish(notice, revision=1) == 0  # a stale revision's event, delivered late: not pushed


def test_sighting_point_is_the_found_place_and_withdrawn_notice_is_not_pushed(published_notice):
    spot = east(LONGHUI, 60)
    notice = published_notice(point=spot)
    at_spot, at_centroid = subscriber(east(spot, 3), 5), subscriber(LONGHUI, 5)
    assert publish(notice) == 1 and targeted(notice) == {at_spot.pk}
    assert at_centroid.pk not in targeted(notice)
    other = published_notice()
    other.status = "withdrawn"
    other.save(update_fields=["status"])
    subscriber(LONGHUI, 5)
    assert publish(other) == 0


def test_email_and_sms_carry_the_link_and_unsubscribe_and_nothing_private(published_notice, settings):
    settings.PUBLIC_BASE_URL = "https://xunqin.example.cn"
    notice = published_notice()
    by_mail = subscriber(LONGHUI, 10, address="family@example.cn")
    by_sms = subscriber(LONGHUI, 10, channel="sms", address="13900001111")
    publish(notice)
    mail.outbox.clear()
    assert send_due() == {"stopped": 0, "sent": 2, "failed": 0, "gave_up": 0}
    assert PushDelivery.objects.filter(notice=notice, status=DeliveryStatus.SENT).count() == 2
    assert mail.outbox[0].to == ["family@example.cn"]
    body = mail.outbox[0].body
    text = OutboxBackend.outbox[-1].text
    link = f"https://xunqin.example.cn/xunqin/n/{notice.public_code}/"
    for message, sub in ((body, by_mail), (text, by_sms)):
        assert link in message and f"/xunqin/unsubscribe/{sub.unsubscribe_token}/" in message
        assert "430524" not in message and "红星社区" not in message  # no ID number, no address
    assert "左眉有痣" in body and "0739-8221234" in body
    assert send_due()["sent"] == 0  # sent once, never again


def test_failures_retry_with_backoff_then_give_up(published_notice, monkeypatch, persona):
    notice = published_notice()
    subscriber(LONGHUI, 10, channel="sms", address="13900002222")
    publish(notice)

    def refuse(self, phone, text):
        raise SmsError("网关拒绝")
    monkeypatch.setattr(OutboxBackend, "send", refuse)
    delivery = PushDelivery.objects.get(notice=notice)
    now = timezone.now()
    for attempt, wait in ((1, dt.timedelta(minutes=5)), (2, dt.timedelta(minutes=30)), (3, dt.timedelta(hours=2))):
        assert send_due(now=now)["failed"] == 1
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.next_try_at) == ("failed", attempt, now + wait)
        assert "网关拒绝" in delivery.last_error
        assert send_due(now=now + wait - dt.timedelta(seconds=1))["failed"] == 0  # not due before its time
        now += wait
    assert send_due(now=now)["gave_up"] == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("gave_up", 4)
    assert list(PushAttempt.objects.filter(delivery=delivery).values_list("number", "ok")) == [
        (1, False), (2, False), (3, False), (4, False)]
    assert send_due(now=now + dt.timedelta(days=1))["gave_up"] == 0  # given up stays given up
    # the station's work list: 推送失败, in scope only
    line = worklist.pushes_failed(persona("longhui_station"))
    assert (line.label, line.count, line.url) == ("推送失败的寻亲公告", 1, "/familysearch/push/")
    assert worklist.pushes_failed(persona("dongkou_station")).count == 0
    assert worklist.pushes_failed(persona("longhui_officer")) is None


def test_one_click_unsubscribe_stops_deliveries(published_notice, client):
    notice = published_notice()
    sub = subscriber(LONGHUI, 10, address="quit@example.cn")
    publish(notice)
    url = f"/xunqin/unsubscribe/{sub.unsubscribe_token}/"
    page = client.get(url)
    assert page.status_code == 200 and "确认退订" in page.content.decode()
    sub.refresh_from_db()
    assert sub.active  # opening the link (a mail scanner does) unsubscribes nobody
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 200  # idempotent
    sub.refresh_from_db()
    assert not sub.active
    assert Event.objects.filter(kind=FamilySearchEvent.PUSH_UNSUBSCRIBED, subject_id=str(sub.pk)).count() == 1
    delivery = PushDelivery.objects.get(notice=notice)
    assert (delivery.status, delivery.last_error) == ("gave_up", "订阅已退订")
    mail.outbox.clear()
    assert send_due()["sent"] == 0 and mail.outbox == []
    assert publish(notice, revision=1) == 0
    assert client.get("/xunqin/unsubscribe/nonsense/").status_code == 404


class _Partner(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def partner():
    server = HTTPServer(("127.0.0.1", 0), _Partner)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Partner.received, _Partner.status = [], 200
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()


def test_webhook_posts_public_json_to_a_real_server(published_notice, persona, region, partner):
    with pytest.raises(PermissionDenied):  # only a station manager registers a partner's webhook
        svc.push_webhook_register(actor=persona("longhui_station"), url=partner, radius_km=20, region=region("430524"))
    with pytest.raises(DomainError) as bad:
        svc.push_webhook_register(actor=persona("longhui_stationmgr"), url="file:///etc/passwd", radius_km=20,
                                  region=region("430524"))
    assert bad.value.field == "address"
    hook = svc.push_webhook_register(actor=persona("longhui_stationmgr"), url=partner, radius_km=20,
                                     region=region("430524"))
    assert hook.confirmed and hook.confirmed_by == persona("longhui_stationmgr")
    notice = published_notice(home="632222")
    publish(notice)
    assert send_due()["sent"] == 1
    [payload] = _Partner.received
    assert set(payload["notice"]) <= {*PUBLIC_FIELDS, "sex", "build", "found_on", "found_region", "station",
                                      "published_at", "url"}
    assert payload["notice"]["public_code"] == notice.public_code
    raw = json.dumps(payload, ensure_ascii=False)
    assert "430524196" not in raw and "18号" not in raw and "红星社区" not in raw  # no ID number, no address
    assert not {"id", "case", "case_id", "id_number", "hukou_text"} & set(payload["notice"])
    _Partner.status = 500  # the partner fails: kept for a retry with the reason
    notice.revision = 2
    notice.save(update_fields=["revision"])
    publish(notice, revision=2)
    assert send_due()["failed"] == 1
    assert PushDelivery.objects.get(notice=notice, revision=2).last_error == "对方接口返回 500"


def test_subscribe_by_email_link_and_by_sms_code(world, client):
    mail.outbox.clear()
    page = client.post("/xunqin/subscribe/", {"channel": "email", "address": "Vol@Example.cn",
                                              "region": "湖南省邵阳市隆回县", "radius_km": "30", "kind": "volunteer"})
    assert page.status_code == 200 and "v***@example.cn" in page.content.decode()
    sub = PushSubscriber.objects.get(channel="email")
    assert not sub.confirmed and (sub.latitude, sub.longitude) == pytest.approx(LONGHUI)
    assert "vol@example.cn" not in sub.address_cipher  # encrypted
    link = mail.outbox[-1].body.split("http://localhost:8000", 1)[1].split()[0]
    assert client.get(link).status_code == 200
    sub.refresh_from_db()
    assert not sub.confirmed  # GET only shows the button
    assert client.post(link).status_code == 200
    sub.refresh_from_db()
    assert sub.confirmed
    # SMS: a code; a wrong one is refused and counted
    response = client.post("/xunqin/subscribe/", {"channel": "sms", "address": "139 0000 3333",
                                                  "latitude": "27.2", "longitude": "111.1", "radius_km": "5"})
    assert response.status_code == 302 and response["Location"] == "/xunqin/subscribe/code/"
    code = OutboxBackend.outbox[-1].text.split("验证码：")[1][:6]
    wrong = client.post("/xunqin/subscribe/code/", {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and "还可以再试 4 次" in wrong.content.decode()
    assert client.post("/xunqin/subscribe/code/", {"code": code}).status_code == 200
    assert PushSubscriber.objects.get(channel="sms").confirmed
    assert Event.objects.filter(kind=FamilySearchEvent.PUSH_CONFIRMED).count() == 2


def test_subscribe_form_errors_and_rate_limit(world, client):
    bad = client.post("/xunqin/subscribe/", {"channel": "email", "address": "a@b.cn", "region": "隆回县",
                                             "radius_km": "900"})
    assert bad.status_code == 400 and "推送半径" in bad.content.decode()
    bad = client.post("/xunqin/subscribe/", {"channel": "webhook", "address": "http://127.0.0.1/", "region": "隆回县",
                                             "radius_km": "9"})
    assert bad.status_code == 400 and "请选择电子邮件或短信" in bad.content.decode()
    bad = client.post("/xunqin/subscribe/", {"channel": "email", "address": "a@b.cn", "radius_km": "9"})
    assert bad.status_code == 400 and "请填写关注的地区" in bad.content.decode()
    for i in range(svc.PER_CLIENT_PER_HOUR):
        ok = client.post("/xunqin/subscribe/", {"channel": "email", "address": f"p{i}@b.cn", "region": "隆回县",
                                                "radius_km": "9"})
        assert ok.status_code == 200
    limited = client.post("/xunqin/subscribe/", {"channel": "email", "address": "late@b.cn", "region": "隆回县",
                                                 "radius_km": "9"})
    assert limited.status_code == 429 and "提交过于频繁" in limited.content.decode()


def test_station_page_guards_and_retry_now(published_notice, client_for, persona, monkeypatch,
                                          django_capture_on_commit_callbacks):
    notice = published_notice()
    subscriber(LONGHUI, 10, channel="sms", address="13900004444")
    publish(notice)
    monkeypatch.setattr(OutboxBackend, "send", lambda self, phone, text: (_ for _ in ()).throw(SmsError("网关忙")))
    send_due()
    url = f"/familysearch/push/{notice.pk}/"
    web = client_for("longhui_station")
    page = web.get(url)
    text = page.content.decode()
    assert page.status_code == 200 and "139****4444" in text and "网关忙" in text and "13900004444" not in text
    assert AuditLog.objects.filter(object_type="familysearch.familynotice", object_id=str(notice.pk),
                                   action="read", detail__purpose="push_deliveries").count() == 1
    assert notice.public_code in web.get("/familysearch/push/").content.decode()
    assert client_for("dongkou_station").get(url).status_code == 404  # another station's notice
    assert client_for("dongkou_station").post(url + "retry/").status_code == 404
    assert client_for("longhui_officer").get(url).status_code == 403  # no rescue capability
    assert client_for("longhui_officer").post(url + "retry/").status_code == 403
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert web.post(url + "retry/").status_code == 302
    delivery = PushDelivery.objects.get(notice=notice)
    assert delivery.status == "sent"  # due at once and sent by the task enqueued after the commit
    assert Event.objects.filter(kind=FamilySearchEvent.PUSH_RETRIED, subject_id=str(notice.pk)).count() == 1
    refused = web.post(url + "retry/")
    assert refused.status_code == 400 and "没有需要重新推送的记录" in refused.content.decode()
    notice.status = "withdrawn"
    notice.save(update_fields=["status"])
    with pytest.raises(DomainError, match="不再推送"):
        svc.push_retry_now(actor=persona("longhui_station"), notice_id=notice.pk)


def test_staff_confirm_needs_the_manager_in_scope_and_is_audited(persona, region):
    from django.http import Http404

    sub = subscriber(LONGHUI, 10, address="phoned@example.cn", confirmed=False)
    PushSubscriber.objects.filter(pk=sub.pk).update(region=region("430524"))
    sub.refresh_from_db()
    with pytest.raises(PermissionDenied):  # a station worker: no approval capability
        svc.subscriber_confirm_by_staff(actor=persona("longhui_officer"), subscriber=sub, note="电话核实")
    with pytest.raises(Http404):  # another county's manager
        svc.subscriber_confirm_by_staff(actor=persona("dongkou_stationmgr"), subscriber=sub, note="电话核实")
    with pytest.raises(DomainError, match="请填写核实方式"):
        svc.subscriber_confirm_by_staff(actor=persona("longhui_stationmgr"), subscriber=sub, note=" ")
    sub.refresh_from_db()
    assert not sub.confirmed
    manager = persona("longhui_stationmgr")
    done = svc.subscriber_confirm_by_staff(actor=manager, subscriber=sub, note="电话核实")
    assert (done.confirmed, done.confirmed_by) == (True, manager)
    assert AuditLog.objects.filter(object_type="familysearch.pushsubscriber", object_id=str(sub.pk), action="update",
                                   actor=manager).count() == 1
    assert Event.objects.filter(kind=FamilySearchEvent.PUSH_CONFIRMED, subject_id=str(sub.pk)).count() == 1
