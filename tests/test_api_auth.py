"""Access control: API keys with roles, 401 without a key, a business key cannot see another
business's review, feedback only by inspectors, local mode only for loopback, the login cookie."""
from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

from api_samples import make_app, small_txt

INSPECTOR = "insp-key-0123456789abcdef"
BIZ_A = "biz-a-key-0123456789abcdef"
BIZ_B = "biz-b-key-0123456789abcdef"


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def keyed(engine, tmp_path_factory):
    d = tmp_path_factory.mktemp("auth")
    keys_file = d / "keys.yaml"
    # the file may hold only the key's SHA-256
    keys_file.write_text(
        "keys:\n"
        f"  - {{name: so-cong-thuong, role: inspector, key_sha256: {hashlib.sha256(INSPECTOR.encode()).hexdigest()}}}\n"
        f"  - {{name: cong-ty-b, role: business, key: {BIZ_B}}}\n", "utf-8")
    app = make_app(d, engine=engine, api_keys=f"cong-ty-a:business:{BIZ_A}", keys_file=keys_file)
    with TestClient(app) as c:
        r = c.post("/v1/reviews", files={"file": ("a.txt", small_txt())}, headers=bearer(BIZ_A))
        assert r.status_code == 201, r.text
        yield c, r.json()


def test_missing_or_wrong_key_is_401(keyed):
    c, _ = keyed
    for path in ("/v1/reviews", "/v1/rules", "/v1/categories"):
        r = c.get(path)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
        assert r.headers["www-authenticate"] == "Bearer"
    r = c.get("/v1/reviews", headers=bearer("sai-khoa-0123456789abcdef"))
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_key"
    assert c.get("/v1/reviews", headers={"Authorization": "Basic abc"}).status_code == 401
    r = c.post("/v1/reviews", files={"file": ("a.txt", small_txt())})
    assert r.status_code == 401
    assert c.get("/healthz").status_code == 200  # probes stay open


def test_business_sees_only_its_own(keyed):
    c, rep = keyed
    rid = rep["id"]
    assert c.get(f"/v1/reviews/{rid}", headers=bearer(BIZ_A)).status_code == 200
    for path in (f"/v1/reviews/{rid}", f"/v1/reviews/{rid}/report.json", f"/v1/reviews/{rid}/report.docx",
                 f"/v1/reviews/{rid}/memo.docx"):
        r = c.get(path, headers=bearer(BIZ_B))
        assert r.status_code in (403, 404) and "error" in r.json()
    assert rid not in [i["id"] for i in c.get("/v1/reviews", headers=bearer(BIZ_B)).json()["items"]]
    assert c.get("/v1/reviews", headers=bearer(BIZ_B)).json()["total"] == 0
    assert c.delete(f"/v1/reviews/{rid}", headers=bearer(BIZ_B)).status_code == 404
    assert c.get(f"/v1/reviews/{rid}", headers=bearer(BIZ_A)).status_code == 200  # still there


def test_inspector_sees_all_and_gives_feedback(keyed):
    c, rep = keyed
    rid, fid = rep["id"], rep["findings"][0]["id"]
    items = c.get("/v1/reviews", headers=bearer(INSPECTOR)).json()["items"]
    assert rid in [i["id"] for i in items] and items[0]["owner"] == "cong-ty-a"
    r = c.post(f"/v1/reviews/{rid}/findings/{fid}/feedback", json={"verdict": "confirmed"}, headers=bearer(BIZ_A))
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = c.post(f"/v1/reviews/{rid}/findings/{fid}/feedback", json={"verdict": "confirmed"}, headers=bearer(INSPECTOR))
    assert r.status_code == 200 and r.json()["author"] == "so-cong-thuong"


def test_default_profile_follows_role(keyed):
    c, rep = keyed
    assert rep["profile"] == "business"
    r = c.post("/v1/reviews", files={"file": ("i.txt", small_txt())}, headers=bearer(INSPECTOR))
    assert r.status_code == 201 and r.json()["profile"] == "inspector"
    assert c.delete(f"/v1/reviews/{r.json()['id']}", headers=bearer(INSPECTOR)).status_code == 204


def test_web_login_cookie(keyed):
    c, rep = keyed
    c.cookies.clear()
    r = c.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert c.post("/login", data={"key": "sai", "next": "/"}).status_code == 401
    r = c.post("/login", data={"key": BIZ_B, "next": "https://evil.example/"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"  # never redirected off-site
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    page = c.get("/")
    assert page.status_code == 200 and "cong-ty-b" in page.text and rep["id"] not in page.text
    assert c.get(f"/reviews/{rep['id']}", headers={"accept": "text/html"}).status_code == 404
    c.cookies.clear()


def test_local_mode_serves_loopback_only(engine, tmp_path):
    app = make_app(tmp_path, engine=engine)
    with TestClient(app, client=("10.1.2.3", 5000)) as remote:
        r = remote.get("/v1/reviews")
        assert r.status_code == 403 and "127.0.0.1" in r.json()["error"]["message"]
    with TestClient(app, client=("127.0.0.1", 5000)) as local:
        assert local.get("/v1/reviews").status_code == 200


def test_bad_key_config_refuses_to_start(tmp_path):
    from api.auth import KeyConfigError

    with pytest.raises(KeyConfigError):
        make_app(tmp_path, api_keys="a:admin:0123456789abcdef0123")
    with pytest.raises(KeyConfigError):
        make_app(tmp_path, api_keys="a:business:short")
    with pytest.raises(KeyConfigError):
        make_app(tmp_path, api_keys=f"a:business:{BIZ_A},a:inspector:{INSPECTOR}")


def test_business_review_page_has_no_feedback_buttons(keyed):
    c, rep = keyed
    c.cookies.clear()
    assert c.post("/login", data={"key": BIZ_A, "next": "/"}, follow_redirects=False).status_code == 303
    page = c.get(f"/reviews/{rep['id']}")
    assert page.status_code == 200 and "article" in page.text
    assert "fb-yes" not in page.text and "Chỉ thanh tra viên" in page.text
    r = c.post(f"/reviews/{rep['id']}/findings/{rep['findings'][0]['id']}/feedback", data={"verdict": "rejected"})
    assert r.status_code == 403
    c.cookies.clear()
