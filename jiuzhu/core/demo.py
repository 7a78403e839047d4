"""A realistic demo world for 邵阳市 (430500), Hunan: two counties, 隆回县 and 洞口县, their townships
and villages, every organisation kind, a user for every role in both counties, and a deterministic
generator of Chinese persons with valid ID numbers. Township and village codes are 12-digit
statistical-style codes made for the demo (their names are real townships, the villages are not)."""

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction

from jiuzhu.core.identity import make_id_number
from jiuzhu.core.models import Department, Organization, OrganizationKind, Region, Role, User, UserRole
from jiuzhu.core.regions import region_child_create

CITY_CODE = "430500"
DEMO_PASSWORD = "Jiuzhu@2026"

COUNTIES = {
    "430524": {
        "prefix": "longhui",
        "townships": ["桃洪镇", "小沙江镇", "金石桥镇", "司门前镇", "高平镇", "六都寨镇", "荷香桥镇", "横板桥镇",
                      "周旺镇", "滩头镇"],
    },
    "430525": {
        "prefix": "dongkou",
        "townships": ["洞口镇", "高沙镇", "竹市镇", "石江镇", "黄桥镇", "山门镇", "醪田镇", "花园镇", "岩山镇",
                      "水东镇"],
    },
}
VILLAGE_STEMS = ["红星", "新民", "和平", "石桥", "龙塘", "枫树", "桃源", "白竹", "田心", "高坪", "长乐", "大桥",
                 "杉木", "团结", "荷花", "清水", "金山", "双江", "向阳", "万福"]

DEPARTMENT_NAMES = {
    Department.EDUCATION: "教育局", Department.HOUSING: "住房和城乡建设局",
    Department.HRSS: "人力资源和社会保障局", Department.HEALTH: "卫生健康局",
    Department.MEDICAL_INSURANCE: "医疗保障局", Department.DISABLED_FEDERATION: "残疾人联合会",
    Department.PUBLIC_SECURITY: "公安局", Department.CITY_MANAGEMENT: "城市管理和综合执法局",
    Department.EMERGENCY: "应急管理局", Department.MARKET_REGULATION: "市场监督管理局",
    Department.RURAL_REVITALIZATION: "乡村振兴局", Department.TRADE_UNION: "总工会",
    Department.WOMENS_FEDERATION: "妇女联合会", Department.RED_CROSS: "红十字会", Department.CHARITY: "慈善总会",
    Department.JUSTICE: "司法局",
}

SURNAMES = ("王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈"
            "任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严覃武")
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建国志文海峰永春德福贵生荣"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英华慧巧美玲桂兰凤洁琳素云莲珍雪荣爱妹琴红梅燕萍颖倩婷丹晶月香春菊"


@dataclass(frozen=True)
class DemoPerson:
    name: str
    sex: str
    birth_date: dt.date
    id_number: str


def person_name(rng: random.Random, sex: str, surname: str | None = None) -> str:
    pool = GIVEN_MALE if sex == "M" else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return (surname or rng.choice(SURNAMES)) + given


class PersonFactory:
    """Deterministic persons with unique, valid ID numbers. Each chunk owns sequence numbers
    chunk*10 .. chunk*10+9, so chunks generated separately (or re-generated) never collide;
    100 chunks of 10,000 give 1,000,000 persons."""

    MAX_CHUNKS = 100

    def __init__(self, seed: int, chunk: int):
        if not 0 <= chunk < self.MAX_CHUNKS:
            raise ValueError("演示数据最多 100 批（1,000,000 人）")
        self.rng = random.Random(f"{seed}:{chunk}")
        self.chunk = chunk
        self.used: set[tuple[str, dt.date, int]] = set()

    def person(self, region_code: str, birth_date: dt.date, sex: str, surname: str | None = None) -> DemoPerson:
        base = self.chunk * 10
        offset = self.rng.randrange(0, 10, 2) + (1 if sex == "M" else 0)
        for step in range(5):
            seq = base + (offset + 2 * step) % 10
            key = (region_code, birth_date, seq)
            if key not in self.used:
                break
        else:  # all five same-sex numbers of that day taken in this chunk: move the birthday a day
            return self.person(region_code, birth_date + dt.timedelta(days=1), sex, surname)
        self.used.add(key)
        return DemoPerson(name=person_name(self.rng, sex, surname), sex=sex, birth_date=birth_date,
                          id_number=make_id_number(region_code, birth_date, seq))

    def birth_date(self, min_age: int, max_age: int, on: dt.date) -> dt.date:
        days = self.rng.randint(min_age * 365 + 1, max_age * 365 + 300)
        return on - dt.timedelta(days=days)


def _org(name, kind, region, parent=None, department="", regional=False) -> Organization:
    org, _ = Organization.objects.get_or_create(
        region=region, kind=kind, department=department, name=name,
        defaults={"parent": parent, "is_regional_center": regional})
    return org


def _user(username, full_name, org, region, roles) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(
        username=username, defaults={"full_name": full_name, "organization": org, "region": region})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
        UserRole.objects.bulk_create([UserRole(user=user, role=r) for r in roles])
    return user, created


@transaction.atomic
def build_world(villages_per_township: int = 6) -> dict:
    """Regions below the demo counties, organisations and users. Idempotent: existing rows are kept."""
    city = Region.objects.get(code=CITY_CODE)
    province = city.parent
    city_ca = _org("邵阳市民政局", OrganizationKind.CIVIL_AFFAIRS, city)
    _org("邵阳市社会救助服务中心", OrganizationKind.ASSISTANCE_CENTER, city, parent=city_ca)
    city_station = _org("邵阳市救助管理站", OrganizationKind.RESCUE_STATION, city, parent=city_ca, regional=True)
    accounts = []
    for username, name, org, region, roles in [
        # The city's civil-affairs office keeps the safety-net fund serving its counties (funds/fund_demo.py).
        ("shaoyang_officer", "邵阳市民政经办员", city_ca, city, [Role.ASSISTANCE_OFFICER]),
        ("shaoyang_approver", "邵阳市民政审批员", city_ca, city, [Role.APPROVER]),
        ("shaoyang_analyst", "邵阳市统计分析员", city_ca, city, [Role.ANALYST]),
        ("shaoyang_regional", "邵阳市区域性中心工作人员", city_station, city, [Role.REGIONAL_OFFICER]),
        ("shaoyang_auditor", "邵阳市审计员", city_ca, city, [Role.AUDITOR]),
        ("shaoyang_admin", "邵阳市系统管理员", city_ca, city, [Role.ADMINISTRATOR]),
    ]:
        _user(username, name, org, region, roles)
        accounts.append((username, name, roles))
    villages: list[Region] = []
    for county_code, spec in COUNTIES.items():
        county = Region.objects.get(code=county_code)
        short = county.name.removesuffix("县")
        ca = _org(f"{county.name}民政局", OrganizationKind.CIVIL_AFFAIRS, county, parent=city_ca)
        center = _org(f"{county.name}社会救助服务中心", OrganizationKind.ASSISTANCE_CENTER, county, parent=ca)
        station = _org(f"{county.name}救助管理站", OrganizationKind.RESCUE_STATION, county, parent=city_station)
        departments = {code: _org(f"{county.name}{label}", OrganizationKind.DEPARTMENT, county, department=code)
                       for code, label in DEPARTMENT_NAMES.items()}
        townships = []
        for i, tname in enumerate(spec["townships"]):
            tcode = f"{county_code}{100 + i:03d}000"
            township = region_child_create(Region, parent=county, code=tcode, name=tname, level="township")
            townships.append(township)
            tcenter = _org(f"{tname}社会救助服务站", OrganizationKind.ASSISTANCE_CENTER, township, parent=center)
            _org(f"{tname}社会救助服务窗口", OrganizationKind.SERVICE_WINDOW, township, parent=tcenter)
            for j in range(villages_per_township):
                stem = VILLAGE_STEMS[(i * 7 + j) % len(VILLAGE_STEMS)]
                kind = "社区" if i == 0 and j < 2 else "村"
                villages.append(region_child_create(Region, parent=township, code=f"{tcode[:9]}{200 + j:03d}",
                                                    name=f"{stem}{kind}", level="village"))
        first = townships[0]
        window = Organization.objects.get(region=first, kind=OrganizationKind.SERVICE_WINDOW)
        township_center = Organization.objects.get(region=first, kind=OrganizationKind.ASSISTANCE_CENTER)
        first_village = Region.objects.filter(parent=first).order_by("code").first()
        p = spec["prefix"]
        for username, name, org, region, roles in [
            (f"{p}_window", f"{first.name}窗口经办员", window, first, [Role.WINDOW_OFFICER]),
            (f"{p}_officer", f"{short}县民政经办员", ca, county, [Role.ASSISTANCE_OFFICER]),
            (f"{p}_approver", f"{short}县民政审批员", ca, county, [Role.APPROVER]),
            (f"{p}_clerk", f"{short}县医保局经办员", departments[Department.MEDICAL_INSURANCE], county,
             [Role.DEPARTMENT_CLERK]),
            (f"{p}_rural", f"{short}县乡村振兴局经办员", departments[Department.RURAL_REVITALIZATION], county,
             [Role.DEPARTMENT_CLERK]),
            (f"{p}_coordinator", f"{first_village.name}社会救助协理员", township_center, first_village,
             [Role.COORDINATOR]),
            (f"{p}_station", f"{short}县救助站工作人员", station, county, [Role.STATION_WORKER]),
            (f"{p}_stationmgr", f"{short}县救助站站长", station, county, [Role.STATION_MANAGER]),
            (f"{p}_analyst", f"{short}县统计分析员", ca, county, [Role.ANALYST]),
            (f"{p}_auditor", f"{short}县审计员", ca, county, [Role.AUDITOR]),
            (f"{p}_admin", f"{short}县系统管理员", ca, county, [Role.ADMINISTRATOR]),
        ]:
            _user(username, name, org, region, roles)
            accounts.append((username, name, roles))
    return {"accounts": accounts, "villages": villages, "province": province, "city": city}


def demo_villages() -> list[Region]:
    return list(Region.objects.filter(level="village", code__regex=r"^43052[45]").order_by("code"))
