"""The users of bench/intake_load.py (locust, headless). Each virtual user signs in through the form at /login/
as its own account (an officer or a department clerk), then works:

- officers (window officers of a township and county officers): the application list through the API (plain,
  filtered by status, item or overdue, and the next page by its cursor), one application, the home page's
  work list, the application list page when it exists, and taking applications through the API (POST with
  the session's CSRF token in X-CSRFToken);
- clerks: the department inbox page (when it exists) and the home page.

Any answer other than the expected status is an error. Times of the work are written to
$INTAKE_LOAD_DATA.times.json when locust quits: (name, ms, failed, steady), `steady` once every virtual user
had signed in (sign-ins are timed apart: each checks a password, ~0.3 s of CPU by design)."""

import itertools
import json
import os
import random
import re

from locust import HttpUser, between, events, task

DATA = json.loads(open(os.environ["INTAKE_LOAD_DATA"], encoding="utf-8").read())
OFFICERS = itertools.cycle([u for u in DATA["users"] if u["role"] == "officer"])
CLERKS = itertools.cycle([u for u in DATA["users"] if u["role"] == "clerk"])
SIGN_IN = {"登录页", "登录"}
TIMES: list[tuple[str, float, bool, bool]] = []
STATE = {"signed_in": 0, "steady": False}
API = "/api/v1/intake/applications"


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    if name not in SIGN_IN:
        TIMES.append((name, response_time, exception is not None, STATE["steady"]))
    else:
        TIMES.append((name, response_time, exception is not None, False))


@events.quitting.add_listener
def _write(environment, **kwargs):
    with open(os.environ["INTAKE_LOAD_DATA"] + ".times.json", "w", encoding="utf-8") as f:
        json.dump(TIMES, f, ensure_ascii=False)


class _Signed(HttpUser):
    abstract = True
    wait_time = between(*DATA.get("think", (3, 10)))

    def sign_in(self, account):
        self.account = account
        page = self.client.get("/login/", name="登录页")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        with self.client.post("/login/", {"username": account["username"], "password": DATA["password"],
                                          "csrfmiddlewaretoken": token}, name="登录", allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"登录失败：{response.status_code}")
        STATE["signed_in"] += 1
        if STATE["signed_in"] >= DATA["user_count"]:
            STATE["steady"] = True

    def get(self, url, name, status=200):
        with self.client.get(url, name=name, catch_response=True, allow_redirects=False) as response:
            if response.status_code != status:
                response.failure(f"{response.status_code}")
            return response


class Officer(_Signed):
    weight = DATA.get("officer_weight", 4)

    def on_start(self):
        self.sign_in(next(OFFICERS))
        self.cursor = None
        self.seen: list[int] = []

    def _remember(self, response):
        try:
            page = response.json()
        except ValueError:
            return
        self.seen = [r["id"] for r in page.get("results", [])][:20] or self.seen
        self.cursor = page.get("next_cursor")

    @task(4)
    def list_api(self):
        self._remember(self.get(API, "接口：申请列表"))

    @task(2)
    def list_api_filtered(self):
        choice = random.random()
        if choice < 0.4:
            query = f"status={random.choice(['materials_pending', 'in_progress', 'submitted', 'completed'])}"
        elif choice < 0.7:
            query = f"item={random.choice(DATA['items'])}"
        else:
            query = "overdue=true"
        self._remember(self.get(f"{API}?{query}", "接口：申请列表（筛选）"))

    @task(1)
    def list_api_next(self):
        if self.cursor:
            self._remember(self.get(f"{API}?cursor={self.cursor}", "接口：申请列表（下一页）"))

    @task(2)
    def detail_api(self):
        if self.seen:
            self.get(f"{API}/{random.choice(self.seen)}", "接口：申请详情")

    @task(2)
    def home(self):
        self.get("/", "首页待办")

    @task(1)
    def list_page(self):
        if DATA["urls"].get("application_list"):
            self.get(DATA["urls"]["application_list"], "申请列表页")

    @task(3)
    def create(self):
        count = random.choice([1, 1, 2, 2, 3])
        body = {"applicant": {"name": f"压测申请人{random.randint(1, 99999)}",
                              "id_number": random.choice(DATA["id_numbers"]), "phone": "13800001111",
                              "address": "压测地址"},
                "region_code": random.choice(self.account["villages"]),
                "items": random.sample(DATA["items"], count), "circumstances": "家庭成员患病，收入不足以维持基本生活"}
        headers = {"X-CSRFToken": self.client.cookies.get("csrftoken", ""), "Referer": self.host + "/"}
        with self.client.post(API, json=body, headers=headers, name="接口：受理申请", catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code} {response.text[:200]}")


class Clerk(_Signed):
    weight = DATA.get("clerk_weight", 1)

    def on_start(self):
        self.sign_in(next(CLERKS))

    @task(3)
    def inbox(self):
        url = DATA["urls"].get("department_inbox")
        if url:
            self.get(url, "部门待办（转办收件箱）")
        else:
            self.get("/", "首页待办（部门）")

    @task(1)
    def home(self):
        self.get("/", "首页待办（部门）")
