"""The officers of bench/registry_load.py (locust). Each virtual user signs in once as its own officer account,
then works its county's lists: filters (the region picker's township by name, 认定层级, 待审批建议), sorts, the
next and the last page, household pages and name searches. Any answer other than 200 is an error."""

import itertools
import json
import os
import random
import re

from locust import HttpUser, between, events, task

DATA = json.loads(open(os.environ["REGISTRY_LOAD_DATA"], encoding="utf-8").read())
ACCOUNTS = itertools.cycle(DATA["users"])
TIERS = ["dibao", "tekun", "near_dibao"]
SIGN_IN = {"登录页", "登录"}
TIMES: list[tuple[str, float, bool]] = []  # (request name, ms, failed) of the officers' work, sign-in excluded


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    if name not in SIGN_IN:
        TIMES.append((name, response_time, exception is not None))


@events.quitting.add_listener
def _write(environment, **kwargs):
    with open(os.environ["REGISTRY_LOAD_DATA"] + ".times.json", "w", encoding="utf-8") as f:
        json.dump(TIMES, f, ensure_ascii=False)


class Officer(HttpUser):
    wait_time = between(*DATA.get("think", (3, 10)))  # reading a page: see bench/registry_load.py, "Think time"

    def on_start(self):
        account = next(ACCOUNTS)
        county = DATA["counties"][account["county"]]
        self.households, self.townships = county["households"], county["townships"]
        if not DATA.get("sign_in"):
            self.client.cookies.set("sessionid", account["session"])
            return
        page = self.client.get("/login/", name="登录页")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        with self.client.post("/login/", {"username": account["username"], "password": DATA["password"],
                                          "csrfmiddlewaretoken": token}, name="登录", allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"登录失败：{response.status_code}")

    def _get(self, url, name):
        with self.client.get(url, name=name, catch_response=True, allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")

    @task(4)
    def household_list(self):
        self._get("/registry/households/", "家庭列表")

    @task(2)
    def household_list_filtered(self):
        choice = random.random()
        if choice < 0.4:
            query = f"place={random.choice(self.townships)}"
        elif choice < 0.7:
            query = f"tier={random.choice(TIERS)}"
        else:
            query = f"pending={random.choice(TIERS)}&place={random.choice(self.townships)}"
        self._get(f"/registry/households/?{query}", "家庭列表（筛选）")

    @task(2)
    def household_list_sorted_pages(self):
        sort = random.choice(["region", "-region", "id"])
        page = random.choice(["2", "3", "last"])
        self._get(f"/registry/households/?sort={sort}&page={page}", "家庭列表（排序、翻页、末页）")

    @task(3)
    def household_page(self):
        self._get(f"/registry/households/{random.choice(self.households)}/", "家庭页")

    @task(2)
    def person_search(self):
        self._get(f"/registry/persons/?name={random.choice(DATA['names'])}", "人员姓名查询")

    @task(1)
    def person_list(self):
        page = random.choice(["1", "2", "last"])
        self._get(f"/registry/persons/?place={random.choice(self.townships)}&page={page}", "人员列表")
