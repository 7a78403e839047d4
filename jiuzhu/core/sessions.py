"""Sessions end after SESSION_COOKIE_AGE (30) idle minutes, without a database write on every request.

Django's SESSION_SAVE_EVERY_REQUEST renews the server-side expiry by rewriting the session row on each
request: under load every page then writes, and on SQLite writes take one lock for the whole server. Here
the row is rewritten only when it was last renewed SESSION_RENEW_SECONDS (60) or more ago (the time is kept
in the session itself), or when the session changed anyway (sign-in, messages). A session therefore still
ends at most 30 minutes after the last request, and at least 29 (30 minus the renewal interval): never
later than the rule allows, at most a minute earlier. The cookie is a browser-session cookie
(SESSION_EXPIRE_AT_BROWSER_CLOSE), so it needs no renewal; the expiry lives on the server only."""

import time

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware

RENEWED_KEY = "_jiuzhu_renewed"


def renew_seconds() -> int:
    return getattr(settings, "SESSION_RENEW_SECONDS", 60)


class IdleSessionMiddleware(SessionMiddleware):
    """SessionMiddleware that renews a used session's expiry at most once per SESSION_RENEW_SECONDS."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is not None and session.accessed and not session.is_empty():
            now = int(time.time())
            if session.modified or now - int(session.get(RENEWED_KEY, 0)) >= renew_seconds():
                session[RENEWED_KEY] = now  # marks the session modified: saved with a fresh expiry
        return super().process_response(request, response)
