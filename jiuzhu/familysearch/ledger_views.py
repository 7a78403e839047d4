"""The face-use ledger page (人脸比对使用台账) and its Excel export. Thin: reads in ledger_selectors, the export
(audited with its filters and row count) through core.exports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from jiuzhu.core.exports import xlsx_response
from jiuzhu.familysearch import ledger_selectors as sel

PAGE_SIZE = 50
EXPORT_HEADERS = ["比对时间", "比对对象", "操作人员", "使用单位", "比对事由", "比对照片数", "候选人数", "最小距离",
                  "比对结果"]


@login_required
def ledger_list(request):
    f = sel.filter_from(request.GET)
    page = Paginator(sel.ledger(actor=request.user, f=f), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "familysearch/ledger.html", {
        "page": page, "rows": sel.rows_of(request.user, page.object_list), "f": f,
        "purposes": sel.purposes(actor=request.user), "query": request.GET.urlencode()})


@login_required
def ledger_export(request):
    f = sel.filter_from(request.GET)
    logs = sel.ledger(actor=request.user, f=f)

    def lines():  # in chunks: the case-scope lookup is one query per chunk, not per row
        chunk = []
        for log in logs.iterator(chunk_size=2000):
            chunk.append(log)
            if len(chunk) == 2000:
                yield from _lines(chunk)
                chunk = []
        yield from _lines(chunk)

    def _lines(chunk):
        for r in sel.rows_of(request.user, chunk):
            yield [timezone.localtime(r.searched_at).strftime("%Y-%m-%d %H:%M"), r.record, r.operator,
                   r.organization, r.purpose, r.photos, r.candidates,
                   "" if r.best_distance is None else round(r.best_distance, 4), r.summary]
    return xlsx_response("人脸比对使用台账.xlsx", EXPORT_HEADERS, lines(), actor=request.user,
                         object_type=sel.LOG_OBJECT_TYPE, filters=f.as_audit())
