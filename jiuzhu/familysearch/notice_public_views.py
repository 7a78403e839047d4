"""The public portal's notice pages (/xunqin/, no sign-in, phone first): the list of published notices with a
search (sex, age range, found region by name, date found, accent), a notice's page with its photo, and the feeds
partner platforms pull (/xunqin/feed.json, /xunqin/feed.rss). Only the notice's public fields are shown: never
an ID number, an address, a record's number or id, a reporter's data (notice_selectors.public_*; PUBLIC_FIELDS)."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import rfc2822_date
from django.views.decorators.http import require_GET

from jiuzhu.familysearch import notice_selectors as sel
from jiuzhu.familysearch.models import PersonSex

FEED_TITLE = "救助管理机构寻亲公告"
# Partners poll the feeds; every poll is answered afresh, so a withdrawn notice is gone from the next answer (no
# cache of ours or of a proxy between keeps it for minutes).
FEED_CACHE = "no-cache"


def _abs(request, path: str) -> str:
    return request.build_absolute_uri(path)


def public_fields(request, n) -> dict:
    """The one list of what the public sees of a notice (page, JSON feed, RSS): the snapshot, the station's name and
    contact, the public code and links. Nothing else of the record or the station's work is ever added here."""
    return {
        "code": n.public_code, "title": n.title, "url": _abs(request, reverse("xunqin:notice", args=[n.public_code])),
        "photo_url": _abs(request, reverse("xunqin:photo", args=[n.public_code])) if n.photo_key else "",
        "stated_name": n.stated_name, "sex": n.get_sex_display(), "estimated_age": n.estimated_age,
        "height_cm": n.height_cm, "build": n.get_build_display() if n.build else "", "ethnicity": n.ethnicity,
        "accent": n.accent, "health": n.health, "features": n.features, "clothing": n.clothing,
        "found_on": n.found_on.isoformat(), "found_region": n.region.full_name, "found_place": n.found_place,
        "station": n.station.name, "contact_phone": n.contact_phone,
        "published_at": timezone.localtime(n.published_at).isoformat() if n.published_at else "",
        "revision": n.revision,
    }


@require_GET
def notice_list(request):
    search = sel.public_search_from(request.GET)
    page = Paginator(sel.public_notices(search), sel.PUBLIC_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "familysearch/notices/public_list.html", {
        "page": page, "rows": page.object_list, "s": search, "sexes": [c for c in PersonSex.choices if c[0] != "U"],
        "query": query.urlencode()})


@require_GET
def notice_page(request, code: str):
    notice = sel.public_notice(code)
    return render(request, "familysearch/notices/public_detail.html",
                  {"n": notice, "f": public_fields(request, notice)})


@require_GET
def notice_photo(request, code: str):
    """The notice's photo while it is published (404 otherwise), re-encoded without its metadata (a phone photo's
    EXIF may carry a place and a time)."""
    notice = sel.public_notice(code)
    data = sel.public_photo_bytes(notice)
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "no-store"  # withdrawn means gone: no copy kept by a browser or a proxy
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def feed_json(request):
    """JSON Feed 1.1 (jsonfeed.org) with each notice's public fields under `_xunqin`."""
    items = []
    for n in sel.feed_notices():
        fields = public_fields(request, n)
        items.append({"id": fields["url"], "url": fields["url"], "title": n.title,
                      "content_text": notice_text(n), "date_published": fields["published_at"],
                      **({"image": fields["photo_url"]} if fields["photo_url"] else {}), "_xunqin": fields})
    body = {"version": "https://jsonfeed.org/version/1.1", "title": FEED_TITLE,
            "home_page_url": _abs(request, reverse("xunqin:list")),
            "feed_url": _abs(request, reverse("xunqin:feed_json")), "language": "zh-CN", "items": items}
    response = HttpResponse(json.dumps(body, ensure_ascii=False, indent=1),
                            content_type="application/feed+json; charset=utf-8")
    response["Cache-Control"] = FEED_CACHE
    return response


def notice_text(n) -> str:
    parts = [f"{n.get_sex_display()}", f"约 {n.estimated_age} 岁" if n.estimated_age is not None else "年龄不详"]
    if n.height_cm:
        parts.append(f"身高约 {n.height_cm} 厘米")
    if n.accent:
        parts.append(f"口音：{n.accent}")
    text = "，".join(parts) + f"。{n.found_on.year}年{n.found_on.month}月{n.found_on.day}日在{n.found_place}被发现。"
    for label, value in (("体貌特征", n.features), ("衣着", n.clothing), ("健康与精神状况", n.health)):
        if value:
            text += f"{label}：{value}。"
    return text + f"如有线索请联系{n.station.name}，电话 {n.contact_phone}。"


@require_GET
def feed_rss(request):
    """RSS 2.0, built with ElementTree (escaping done by the XML writer, never by hand)."""
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    for tag, text in (("title", FEED_TITLE), ("link", _abs(request, reverse("xunqin:list"))),
                      ("description", "救助管理机构发布的受助人员寻亲公告，请帮助他们回家"), ("language", "zh-cn")):
        ET.SubElement(channel, tag).text = text
    for n in sel.feed_notices():
        fields = public_fields(request, n)
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = n.title
        ET.SubElement(item, "link").text = fields["url"]
        ET.SubElement(item, "guid", isPermaLink="true").text = fields["url"]
        ET.SubElement(item, "description").text = notice_text(n)
        if n.published_at:
            ET.SubElement(item, "pubDate").text = rfc2822_date(n.published_at)
        if fields["photo_url"]:
            ET.SubElement(item, "enclosure", url=fields["photo_url"], type="image/jpeg", length="0")
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(rss, encoding="utf-8", xml_declaration=False)
    response = HttpResponse(body, content_type="application/rss+xml; charset=utf-8")
    response["Cache-Control"] = FEED_CACHE
    return response
