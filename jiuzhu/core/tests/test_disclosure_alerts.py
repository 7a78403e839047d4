"""Finding 2: passing the daily cap of "registered elsewhere" answers alerts the auditors of the user's
jurisdiction, on their home page and atop the audit log; auditors elsewhere see nothing."""

import pytest

from jiuzhu.core.disclosure import disclose_registered_elsewhere
from jiuzhu.core.errors import DomainError


def test_auditors_of_the_jurisdiction_see_the_alert(persona, client_for, settings):
    settings.DISCLOSURE_DAILY_LIMIT = 2
    officer = persona("longhui_officer")
    disclose_registered_elsewhere(actor=officer, id_hashes=["a" * 64, "b" * 64])
    assert "越权查询超限提醒" not in client_for("longhui_auditor").get("/").content.decode()
    with pytest.raises(DomainError):
        disclose_registered_elsewhere(actor=officer, id_hashes=["c" * 64])
    for url in ("/", "/audit/"):
        page = client_for("longhui_auditor").get(url).content.decode()
        assert "越权查询超限提醒" in page and "longhui_officer" in page, url
        assert "越权查询超限提醒" not in client_for("dongkou_auditor").get(url).content.decode(), url
    assert "越权查询超限提醒" not in client_for("longhui_officer").get("/").content.decode()
