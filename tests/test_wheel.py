"""`pip install .` gives a working `contract-review` from any directory: rules/, models/ and the corpus
index ship inside the wheel (nothing is read from the source checkout)."""
import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    wheel = next((tmp / "dist").glob("contract_review-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True,
                   capture_output=True, timeout=300)
    # dependencies come from this environment's site-packages, added as a plain path: its .pth files
    # (among them the editable install of the checkout) are NOT processed, so only the wheel provides
    # contract_review, api and their data
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", "utf-8")
    return wheel, venv


def test_wheel_carries_the_data(installed):
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("contract_review/_data/rules/a25-") for n in names)
    assert "contract_review/_data/rules/categories.yaml" in names
    assert "contract_review/_data/models/clause_classifier.skops" in names
    assert "contract_review/_data/corpus/clauses.jsonl" in names
    assert any(n.startswith("api/templates/") for n in names)


def test_installed_command_reviews_a_file_from_anywhere(installed, tmp_path):
    _, venv = installed
    work = tmp_path / "elsewhere"
    work.mkdir()
    contract = work / "hop-dong.txt"
    contract.write_text(
        "HỢP ĐỒNG CUNG CẤP DỊCH VỤ TRUYỀN HÌNH\nĐiều 1. Thay đổi hợp đồng\n"
        "Công ty có quyền điều chỉnh, sửa đổi, bổ sung các điều khoản của Hợp đồng vào bất kỳ thời điểm nào "
        "mà không cần thông báo trước cho Khách hàng.\nĐiều 2. Giải quyết tranh chấp\n"
        "Mọi tranh chấp được giải quyết chung thẩm tại Trung tâm Trọng tài do Công ty chỉ định; Khách hàng không được "
        "khởi kiện tại Tòa án.\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    exe = venv / "bin" / "contract-review"
    r = subprocess.run([str(exe), "review", str(contract), "--format", "json"], cwd=work, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    codes = {f["code"] for f in report["findings"]}
    assert {"A25.3", "P67"} <= codes
    assert report["versions"].get("model") and int(report["versions"]["rule_count"]) >= 60
    loc = subprocess.run([str(venv / "bin" / "python"), "-c",
                          "import contract_review, api; print(contract_review.__file__); print(api.__file__)"],
                         cwd=work, env=env, capture_output=True, text=True, timeout=120).stdout
    assert str(ROOT) not in loc and str(venv) in loc
    r = subprocess.run([str(exe), "rules", "list", "--format", "json"], cwd=work, env=env, capture_output=True,
                       text=True, timeout=300)
    assert len(json.loads(r.stdout)) >= 60
