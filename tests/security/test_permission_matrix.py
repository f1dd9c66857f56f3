"""Every URL × every role × GET/POST × an object of unit A and of unit B, against a declared policy.

The URL list comes from the resolver, so a view added tomorrow without a POLICY entry fails
`test_every_url_has_a_policy` by name. Outcomes:

    ok     200, or a redirect that is not to the login page (a form re-rendered with errors counts)
    login  redirect to the login page (anonymous)
    401/403/404/405  refused with that status

A policy line lists, in order, anonymous, official_a, official_b, dept_official, leader, inspector, admin,
for the object of unit A. For the object of unit B the two county officials swap (A and B are symmetric),
so each official is checked on its own unit's object and on the other unit's (→ 404).
Every refused POST must leave every data table exactly as it was (row count and an md5 of the rows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .conftest import fingerprint_diff, table_fingerprint

ROLES = ("anonymous", "official_a", "official_b", "dept_official", "leader", "inspector", "admin")

# Framework pages outside the platform's own views, each with the reason it is not in the matrix.
SKIPPED = {
    "login": "auth: tested in tests/core/test_auth.py and test_security_settings.py",
    "logout": "auth: tested in test_security_settings.py",
    "set_language": "i18n: Django's own view",
    "healthz": "health probe, public by design (tests/core)",
    None: "favicon redirect (unnamed)",
}


def url_names(resolver=None, ns: str = "") -> list[str | None]:
    """Every named pattern in the URL conf, recursively, with its namespace prefix; admin:* left out."""
    out: list[str | None] = []
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}{p.namespace}:" if p.namespace else ns
            if inner.startswith("admin:"):
                continue
            out += url_names(p, inner)
        elif isinstance(p, URLPattern):
            out.append(f"{ns}{p.name}" if p.name else None)
    return out


@dataclass(frozen=True)
class Policy:
    get: str
    post: str
    build: Callable[[dict, str], dict] | None = None  # (world, "A"|"B") → reverse() kwargs

    def expected(self, method: str, role: str, side: str) -> str:
        row = dict(zip(ROLES, (self.get if method == "GET" else self.post).split(), strict=True))
        if side == "B" and role in ("official_a", "official_b"):
            role = "official_b" if role == "official_a" else "official_a"
        return row[role]


def obj(key: str, kw: str = "pk"):
    return lambda world, side: {kw: world[side][key].pk}


def unit(world, side):
    return {"pk": world[side].unit.pk}


def payment(world, side):
    return {"pk": world[side]["project"].pk, "payment_pk": world[side]["payment"].pk}


def photo(world, side):
    return {"pk": world[side]["project"].pk, "photo_pk": world[side]["photo"].pk}


def milestone(world, side):
    return {"pk": world[side]["pilot"].pk, "milestone_pk": world[side]["milestone"].pk}


#                anon  oa   ob   dept leader insp admin
EVERYONE = "login ok ok ok ok ok ok"
NOT_INSPECTOR = "login ok ok ok ok 403 ok"
CITY_READERS = "login 403 403 403 ok ok ok"
ADMIN_ONLY = "login 403 403 403 403 403 ok"
OWN_OR_CITY = "login ok 404 404 ok ok ok"  # an official sees only their unit's object; city-wide roles all
OWN_WRITE = "login ok 404 404 403 403 403"  # only the unit's own official may write
PROJECT_READ = "login ok 404 404 ok 403 ok"  # inspectors have no projects area
PROJECT_WRITE = "login ok 404 404 403 403 403"
OFFICIALS_ONLY = "login ok ok ok 403 403 403"  # officials enter for the units they report for
GET_405 = "405 405 405 405 405 405 405"  # POST-only endpoints refuse GET before anything else
NO_TOKEN = "401 401 401 401 401 401 401"  # machine endpoints: a session is not a token

POLICY: dict[str, Policy] = {
    "home": Policy(EVERYONE, EVERYONE),
    "password_change": Policy(EVERYONE, EVERYONE),  # each person their own password (POST without data: the form)
    "password_change_done": Policy(EVERYONE, "login 405 405 405 405 405 405"),
    # tracker: units
    "tracker:unit_list": Policy(EVERYONE, EVERYONE),
    "tracker:unit_detail": Policy(OWN_OR_CITY, OWN_OR_CITY, unit),
    # the people register: a county sees its own people, city-wide roles everyone; nothing on the pages writes
    "tracker:person_list": Policy(EVERYONE, EVERYONE),
    "tracker:person_detail": Policy(OWN_OR_CITY, OWN_OR_CITY, obj("person")),
    # tracker: water
    "tracker:water_index": Policy(EVERYONE, EVERYONE),
    "tracker:water_section_detail": Policy(OWN_OR_CITY, OWN_OR_CITY, obj("section")),
    "tracker:water_readings_upload": Policy(ADMIN_ONLY, ADMIN_ONLY),
    "tracker:water_template": Policy(ADMIN_ONLY, "login 403 403 403 403 403 405"),
    "tracker:outlet_list": Policy(EVERYONE, EVERYONE),
    "tracker:outlet_detail": Policy(OWN_OR_CITY, OWN_WRITE, obj("outlet")),
    "tracker:outlet_document": Policy(OWN_OR_CITY, OWN_OR_CITY, obj("outlet_change")),
    "tracker:drinking_water_list": Policy(EVERYONE, EVERYONE),
    "tracker:api_water_readings": Policy(NO_TOKEN, NO_TOKEN),
    # tracker: air (monitoring results are city-wide public information: every role reads every station)
    "tracker:air_index": Policy(EVERYONE, EVERYONE),
    "tracker:air_station_detail": Policy(EVERYONE, EVERYONE, obj("station")),
    "tracker:air_zone_detail": Policy(EVERYONE, EVERYONE, obj("zone")),
    "tracker:air_upload": Policy(ADMIN_ONLY, ADMIN_ONLY),
    "tracker:air_template": Policy(ADMIN_ONLY, "login 403 403 403 403 403 405"),
    "tracker:api_air_readings": Policy(GET_405, NO_TOKEN),
    # tracker: measures
    "tracker:measure_list": Policy(EVERYONE, EVERYONE),
    "tracker:measure_detail": Policy(OWN_OR_CITY, OWN_WRITE, obj("measure")),
    # tracker: environmental watch. A warning is scoped like its unit; the unit's official answers it, an
    # inspector (or admin) escalates it into a rectification item (rectifications:warning_escalate); leaders read.
    "tracker:warning_list": Policy(EVERYONE, EVERYONE),
    "tracker:warning_detail": Policy(OWN_OR_CITY, OWN_OR_CITY, obj("warning")),
    "tracker:warning_respond": Policy(GET_405, OWN_WRITE, obj("warning")),
    # key enterprises: a register scoped like the enterprise's unit; nothing on the pages writes
    "tracker:enterprise_list": Policy(EVERYONE, EVERYONE),
    "tracker:enterprise_detail": Policy(OWN_OR_CITY, OWN_OR_CITY, obj("enterprise")),
    # rural sewage plants: read like the unit; the unit's own official reports a month
    "tracker:rural_plant_list": Policy(EVERYONE, EVERYONE),
    # drinking-water source quality: city-wide public like the sections' page (each official sees their sources);
    # readings come in by the admin upload or the token API
    "tracker:drinking_quality": Policy(EVERYONE, EVERYONE),
    "tracker:drinking_readings_upload": Policy(ADMIN_ONLY, ADMIN_ONLY),
    "tracker:api_drinking_readings": Policy(NO_TOKEN, NO_TOKEN),
    "tracker:rural_plant_detail": Policy(OWN_OR_CITY, OWN_WRITE, obj("plant")),
    # heavy-pollution weather: the city warning is city-wide (every role reads it); the 环委办 (leaders) and admins
    # issue, change and lift it; each unit's officials keep their emergency list and report responses
    "tracker:weather_warning_list": Policy(EVERYONE, EVERYONE),
    "tracker:weather_warning_issue": Policy("login 403 403 403 ok 403 ok", "login 403 403 403 ok 403 ok"),
    "tracker:weather_warning_detail": Policy(EVERYONE, EVERYONE, obj("weather_warning")),
    "tracker:weather_warning_level": Policy(GET_405, "login 403 403 403 ok 403 ok", obj("weather_warning")),
    "tracker:weather_warning_lift": Policy(GET_405, "login 403 403 403 ok 403 ok", obj("weather_warning")),
    "tracker:emergency_response": Policy(OFFICIALS_ONLY, OFFICIALS_ONLY, obj("weather_warning")),
    "tracker:emergency_list": Policy(EVERYONE, OFFICIALS_ONLY),
    "tracker:emergency_measure_edit": Policy(OWN_WRITE, OWN_WRITE, obj("emergency_measure")),
    # forecasts against measurements are public like the air pages; forecasts come by the admin upload or the API
    "tracker:forecast_compare": Policy(EVERYONE, EVERYONE),
    "tracker:forecast_upload": Policy(ADMIN_ONLY, ADMIN_ONLY),
    "tracker:api_air_forecasts": Policy(NO_TOKEN, NO_TOKEN),
    # river chiefs: scoped like their unit; the unit's officials enter patrols and fishing cases; an inspector (or
    # admin) turns a patrol finding into a rectification item (rectifications:patrol_to_item)
    "tracker:river_chief_list": Policy(EVERYONE, EVERYONE),
    "tracker:patrol_frequency": Policy(EVERYONE, EVERYONE),
    "tracker:patrol_list": Policy(EVERYONE, EVERYONE),
    "tracker:patrol_create": Policy(OFFICIALS_ONLY, OFFICIALS_ONLY),
    "tracker:patrol_detail": Policy(OWN_OR_CITY, OWN_OR_CITY, obj("patrol")),
    "tracker:patrol_photo": Policy(OWN_OR_CITY, OWN_OR_CITY, obj("patrol_photo")),
    "tracker:fishing_cases": Policy(EVERYONE, OFFICIALS_ONLY),
    # departments and admins assign tasks to units
    "tracker:measure_assign": Policy("login 403 403 ok 403 403 ok", "login 403 403 ok 403 403 ok"),
    "tracker:measure_import": Policy("login 403 403 ok 403 403 ok", "login 403 403 ok 403 403 ok"),
    "tracker:measure_template": Policy("login 403 403 ok 403 403 ok", "login 403 403 405 403 403 405"),
    # bulk imports of master data (stations, sections, outlets, users): admins only; templates are GET only
    "tracker:station_import": Policy(ADMIN_ONLY, ADMIN_ONLY),
    "tracker:station_template": Policy(ADMIN_ONLY, "login 403 403 403 403 403 405"),
    "tracker:section_import": Policy(ADMIN_ONLY, ADMIN_ONLY),
    "tracker:section_template": Policy(ADMIN_ONLY, "login 403 403 403 403 403 405"),
    "tracker:outlet_import": Policy(ADMIN_ONLY, ADMIN_ONLY),
    "tracker:outlet_template": Policy(ADMIN_ONLY, "login 403 403 403 403 403 405"),
    "tracker:user_import": Policy(ADMIN_ONLY, ADMIN_ONLY),
    "tracker:user_template": Policy(ADMIN_ONLY, "login 403 403 403 403 403 405"),
    # inbox: each person's own; another person's entry does not exist for them
    "tracker:inbox": Policy(EVERYONE, EVERYONE),
    "tracker:inbox_read": Policy(GET_405, "login ok 404 404 404 404 404", obj("inbox_entry")),
    "tracker:inbox_read_all": Policy(GET_405, EVERYONE),
    # projects
    "projects:index": Policy(NOT_INSPECTOR, NOT_INSPECTOR),
    "projects:ranking_export": Policy(NOT_INSPECTOR, NOT_INSPECTOR),
    "projects:project_list": Policy(NOT_INSPECTOR, NOT_INSPECTOR),
    "projects:fund_list": Policy(NOT_INSPECTOR, NOT_INSPECTOR),
    "projects:payment_list": Policy(NOT_INSPECTOR, NOT_INSPECTOR),
    "projects:project_detail": Policy(PROJECT_READ, PROJECT_READ, obj("project")),
    "projects:payment_create": Policy(GET_405, PROJECT_WRITE, obj("project")),
    "projects:payment_reverse": Policy(GET_405, PROJECT_WRITE, payment),
    "projects:stage_change": Policy(GET_405, PROJECT_WRITE, obj("project")),
    "projects:progress_create": Policy(GET_405, PROJECT_WRITE, obj("project")),
    "projects:milestones_set": Policy(GET_405, PROJECT_WRITE, obj("project")),
    "projects:photo_download": Policy(PROJECT_READ, PROJECT_READ, photo),
    # bulk imports of funds and projects: whoever allocates funds (admins); a county cannot
    "projects:fund_import": Policy(ADMIN_ONLY, ADMIN_ONLY),
    "projects:fund_template": Policy(ADMIN_ONLY, "login 403 403 403 403 403 405"),
    "projects:project_import": Policy(ADMIN_ONLY, ADMIN_ONLY),
    "projects:project_template": Policy(ADMIN_ONLY, "login 403 403 403 403 403 405"),
    # the pilot portfolio is the city's: every projects reader sees every pilot; only the lead unit records
    "projects:pilot_list": Policy(NOT_INSPECTOR, NOT_INSPECTOR),
    "projects:pilot_detail": Policy(NOT_INSPECTOR, NOT_INSPECTOR, obj("pilot")),
    "projects:pilot_milestone_done": Policy(GET_405, "login ok 403 403 403 403 403", milestone),
    # the units' own reserve: officials propose for their unit; city departments and admins decide
    "projects:proposal_create": Policy("login ok ok ok 403 403 403", "login ok ok ok 403 403 403"),
    "projects:proposal_queue": Policy("login 403 403 ok 403 403 ok", "login 403 403 ok 403 403 ok"),
    "projects:proposal_decide": Policy(GET_405, "login 403 403 ok 403 403 ok", obj("proposal")),
    # rectifications
    "rectifications:index": Policy(EVERYONE, EVERYONE),
    "rectifications:detail": Policy(OWN_OR_CITY, OWN_OR_CITY, obj("item")),
    # act: every reader may act (inspectors verify, leaders comment…); the service refuses what the role
    # may not do — an empty form is refused before that with a message and a redirect.
    "rectifications:act": Policy(GET_405, OWN_OR_CITY, obj("item")),
    "rectifications:report": Policy(GET_405, OWN_WRITE, obj("item")),
    "rectifications:dossier": Policy(OWN_OR_CITY, OWN_OR_CITY, obj("closed_item")),
    "rectifications:evidence": Policy(OWN_OR_CITY, OWN_OR_CITY, obj("evidence")),
    "rectifications:queue": Policy(CITY_READERS, CITY_READERS),
    "rectifications:import": Policy("login 403 403 403 403 ok ok", "login 403 403 403 403 ok ok"),
    "rectifications:import_template": Policy("login 403 403 403 403 ok ok", "login 403 403 403 403 405 405"),
    "rectifications:notices": Policy(EVERYONE, EVERYONE),
    # signing a notice is the addressed unit's act; city-wide readers may list but not sign
    "rectifications:notice_read": Policy(GET_405, OWN_WRITE, obj("notice")),
    "rectifications:bulletin": Policy(CITY_READERS, CITY_READERS),
    # a numbered notice's Word copy: whoever sees the notice; numbering (POST) is the city offices' act
    "rectifications:notice_document": Policy(OWN_OR_CITY, "login 403 404 404 ok ok ok", obj("notice")),
    "rectifications:bulletin_document": Policy(GET_405, CITY_READERS),
    # 专项督查: every role lists the rounds (an official those reaching their units); inspectors and admins draw
    # them up and record findings; the unit's own official reports a directive done
    "rectifications:special_list": Policy(EVERYONE, "login 403 403 403 403 ok ok"),
    "rectifications:special_detail": Policy(OWN_OR_CITY, "login 403 404 404 403 ok ok", obj("special")),
    "rectifications:directive_done": Policy(GET_405, OWN_WRITE, obj("directive")),
    # 回头看 plans are city-wide work: city roles read them, only inspectors draw them up and record checks
    "rectifications:review_plans": Policy(CITY_READERS, "login 403 403 403 403 ok 403"),
    "rectifications:review_plan": Policy(CITY_READERS, GET_405, obj("review_plan")),
    "rectifications:review_check": Policy(GET_405, "login 403 403 403 403 ok 403", obj("review_check")),
    # 奖惩到人: everyone reads the ledger scoped to their units' people; only leaders and admins record
    "rectifications:accountability_list": Policy(EVERYONE, EVERYONE),
    "rectifications:accountability_create": Policy("login 403 403 403 ok 403 ok", "login 403 403 403 ok 403 ok"),
    # 转为整改问题 from a tracker page: scoped like the warning's / the patrol's unit (404 out of reach), then the
    # capability escalate_warnings (inspectors and admins; the unit's own official and leaders 403)
    "rectifications:warning_escalate": Policy(GET_405, "login 403 404 404 403 ok ok", obj("warning")),
    "rectifications:patrol_to_item": Policy(GET_405, "login 403 404 404 403 ok ok", obj("patrol")),
}


def unit_sheet(world, side):
    return {"run_id": world[side]["run"].pk, "unit_id": world[side].unit.pk}


def unit_as(kw: str):
    return lambda world, side: {kw: world[side].unit.pk}


def obj_as(key: str, kw: str):
    return lambda world, side: {kw: world[side][key].pk}


POLICY.update(
    {
        # targets: the assessment. Rankings, run progress and the catalogue are city-wide (every unit sees the
        # league table); a unit's score sheet and entered values are scoped; only admins approve.
        "targets:index": Policy(EVERYONE, EVERYONE),
        "targets:ranking_export": Policy(EVERYONE, EVERYONE, obj_as("run", "run_id")),
        "targets:run_status": Policy(EVERYONE, EVERYONE, obj_as("run", "run_id")),
        "targets:run_publish": Policy(GET_405, ADMIN_ONLY, obj_as("run", "run_id")),
        "targets:unit_sheet": Policy(OWN_OR_CITY, OWN_OR_CITY, unit_sheet),
        "targets:run_request": Policy(GET_405, "login 403 403 403 ok 403 ok", obj_as("scheme", "scheme_id")),
        "targets:indicator_list": Policy(EVERYONE, EVERYONE),
        # next year's scheme is the admins' copy; the first-quarter targets are read like targets (a POST reads)
        "targets:scheme_copy": Policy(GET_405, ADMIN_ONLY, obj_as("scheme", "scheme_id")),
        "targets:first_quarter": Policy(EVERYONE, EVERYONE),
        "targets:target_list": Policy(EVERYONE, EVERYONE),
        # bulk import of targets: admins only (an empty POST re-renders the page with a message)
        "targets:target_template": Policy(ADMIN_ONLY, "login 403 403 403 403 403 405"),
        "targets:target_import": Policy(ADMIN_ONLY, ADMIN_ONLY),
        # officials (county and department) enter values; read-only roles may not POST
        "targets:value_list": Policy(EVERYONE, "login ok ok ok 403 403 403"),
        # the grid: everybody who sees the unit reads it; only the unit's own officials save (an empty POST saves
        # nothing and redirects); the bulk approval is the admins' act
        "targets:value_grid": Policy(EVERYONE, "login ok ok ok 403 403 403"),
        "targets:value_approval_bulk": Policy(GET_405, ADMIN_ONLY),
        "targets:value_submit": Policy(GET_405, "login ok 404 404 404 404 404", obj("value")),
        "targets:value_approval": Policy("login 403 403 403 ok 403 ok", "login 403 403 403 ok 403 ok"),
        "targets:value_approve": Policy(GET_405, "login 404 404 404 404 404 ok", obj("submitted_value")),
        "targets:value_return": Policy(GET_405, "login 404 404 404 404 404 ok", obj("submitted_value")),
        "targets:wastefree_index": Policy(EVERYONE, EVERYONE),
        # 扣分风险跟踪督办: everyone reads the risks and follow-ups of their units; leaders and admins assign;
        # only the unit's own officials report on a follow-up (an empty POST re-renders the form)
        "targets:risk_followups": Policy(EVERYONE, EVERYONE),
        "targets:risk_followup_assign": Policy("login 403 403 403 ok 403 ok", "login 403 403 403 ok 403 ok"),
        "targets:risk_followup_detail": Policy(OWN_OR_CITY, OWN_WRITE, obj("followup")),
        # dashboards: the entry routes each role to its own board; the city boards (and the inspector's queue
        # board) are for city-wide roles; a unit board is scoped like the unit itself. Nothing on them writes:
        # a POST renders the same read-only page.
        "targets:dashboard": Policy(EVERYONE, EVERYONE),
        "targets:dashboard_city": Policy(CITY_READERS, CITY_READERS),
        "targets:dashboard_city_export": Policy(CITY_READERS, CITY_READERS),
        # an item panel of the leaders' board (loaded lazily): city readers only; the world's run has no such
        # item, so readers get 404 (tests/dashboards test the panel itself)
        "targets:dashboard_city_panel": Policy(
            "login 403 403 403 404 404 404", "login 403 403 403 404 404 404", lambda world, side: {"item_id": 987654}
        ),
        "targets:dashboard_map": Policy(EVERYONE, EVERYONE),
        "targets:dashboard_zones_export": Policy(EVERYONE, EVERYONE),
        "targets:dashboard_unit": Policy(OWN_OR_CITY, OWN_OR_CITY, unit_as("unit_id")),
        "targets:dashboard_unit_export": Policy(OWN_OR_CITY, OWN_OR_CITY, unit_as("unit_id")),
        "targets:dashboard_inspector": Policy(CITY_READERS, CITY_READERS),
        "targets:dashboard_inspector_export": Policy(CITY_READERS, CITY_READERS),
    }
)


def outcome(response) -> str:
    code = response.status_code
    if code in (301, 302, 303):
        return "login" if response["Location"].split("?")[0] == resolve_url(settings.LOGIN_URL) else "ok"
    if code in (200, 201, 204):
        return "ok"
    return str(code)


def test_every_url_has_a_policy():
    names = url_names()
    missing = sorted(n for n in names if n not in POLICY and n not in SKIPPED)
    assert not missing, f"URLs with no entry in the permission POLICY (add one): {missing}"
    stale = sorted(set(POLICY) - set(names))
    assert not stale, f"POLICY entries for URLs that no longer exist: {stale}"


def run_matrix(client, actors, world) -> tuple[list[str], int]:
    users = {"anonymous": None, **actors}
    mismatches, checked = [], 0
    client.raise_request_exception = False
    for name in sorted(POLICY):
        policy = POLICY[name]
        sides = ("A", "B") if policy.build else ("A",)
        for side in sides:
            url = reverse(name, kwargs=policy.build(world, side) if policy.build else None)
            for role in ROLES:
                client.logout()
                if users[role] is not None:
                    client.force_login(users[role])
                for method in ("GET", "POST"):
                    want = policy.expected(method, role, side)
                    before = table_fingerprint() if method == "POST" and want != "ok" else None
                    response = client.get(url) if method == "GET" else client.post(url, {})
                    got = outcome(response)
                    checked += 1
                    if got != want:
                        mismatches.append(f"{method} {name} [{side}] as {role}: expected {want}, got {got}")
                    if before is not None:
                        changed = fingerprint_diff(before, table_fingerprint())
                        if changed:
                            mismatches.append(f"refused POST {name} [{side}] as {role} changed tables {changed}")
    return mismatches, checked


@pytest.mark.django_db
def test_permission_matrix_matches_policy(client, actors, world):
    mismatches, checked = run_matrix(client, actors, world)
    assert not mismatches, f"{len(mismatches)} of {checked} checks differ:\n" + "\n".join(mismatches)
    assert checked == sum(len(ROLES) * 2 * (2 if p.build else 1) for p in POLICY.values())


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_admins_reach_the_admin_site(client, actors, role):
    if role != "anonymous":
        client.force_login(actors[role])
    for path in ("/admin/", "/admin/tracker/unit/", "/admin/projects/project/"):
        response = client.get(path)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], (path, role)


@pytest.mark.django_db
def test_admin_reaches_the_admin_site(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200
