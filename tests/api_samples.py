"""Small inputs for the API tests: a short fictional water-supply contract (written for these tests)
with two clauses the rule library flags (Điều 25 khoản 1 and khoản 8) among fair ones, as TXT and DOCX,
plus app/client helpers."""
from __future__ import annotations

import io
from pathlib import Path

SMALL = """HỢP ĐỒNG DỊCH VỤ CẤP NƯỚC SINH HOẠT
Số: 15/2025/HĐCN
Điều 1. Đối tượng hợp đồng
Công ty Cổ phần Cấp nước Sông Lam (Bên A) cung cấp nước sạch sinh hoạt cho hộ gia đình của khách hàng (Bên B) tại địa chỉ ghi trong phụ lục.
Điều 2. Giá nước và thanh toán
1. Giá nước áp dụng theo quyết định của Ủy ban nhân dân tỉnh, được thông báo cho Bên B trước ít nhất 15 ngày.
2. Bên B thanh toán tiền nước hằng tháng bằng tiền mặt hoặc chuyển khoản trong vòng 10 ngày kể từ ngày nhận hóa đơn.
Điều 3. Quyền và nghĩa vụ của Bên A
1. Bên A bảo đảm chất lượng nước theo quy chuẩn kỹ thuật quốc gia.
2. Bên A không chịu trách nhiệm đối với thiệt hại phát sinh do nước đục, có mùi, áp lực yếu hoặc mất nước trong mọi trường hợp.
Điều 4. Điều khoản chung
1. Hai bên cam kết thực hiện đúng các điều khoản của hợp đồng.
2. Những vấn đề chưa được quy định trong Hợp đồng này sẽ do Bên A quyết định và thông báo cho Bên B thực hiện.
"""

# A fair contract, no finding expected.
FAIR = """HỢP ĐỒNG CUNG CẤP DỊCH VỤ VỆ SINH NHÀ Ở
Điều 1. Phạm vi dịch vụ
Công ty TNHH Nhà Sạch Ánh Dương vệ sinh căn hộ của khách hàng mỗi tuần một lần theo lịch hai bên thống nhất.
Điều 2. Giá dịch vụ
Giá dịch vụ là 400.000 đồng mỗi lần, cố định trong suốt thời hạn hợp đồng và đã bao gồm thuế giá trị gia tăng.
Điều 3. Chấm dứt hợp đồng
Mỗi bên có quyền chấm dứt hợp đồng bằng cách thông báo cho bên kia trước 7 ngày; phí đã trả cho các buổi chưa thực hiện được hoàn lại đầy đủ.
"""


def small_txt(text: str = SMALL) -> bytes:
    return text.encode("utf-8")


def small_docx(text: str = SMALL) -> bytes:
    import docx

    d = docx.Document()
    for line in text.strip().splitlines():
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def make_app(data_dir: Path, engine=None, **settings):
    from api.app import create_app
    from api.settings import Settings

    workers = settings.pop("workers", 0)
    return create_app(Settings(data_dir=Path(data_dir), workers=workers, **settings), engine=engine)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: Path, env_extra: dict[str, str], ready_within: float = 300.0):
    """`contract-review serve` in a subprocess (worker-process mode, as `make run`) on a free port with
    a fresh data directory and no keys, waited for until /readyz answers. Returns (process, base url,
    log file handle); the log is data_dir/server.log. Raises RuntimeError with the log's tail if the
    server exits or is not ready in time."""
    import os
    import subprocess
    import sys
    import time

    import httpx

    env = {**os.environ, "CONTRACT_REVIEW_DATA_DIR": str(data_dir), **env_extra}
    for k in ("CONTRACT_REVIEW_API_KEYS", "CONTRACT_REVIEW_KEYS_FILE", "CONTRACT_REVIEW_DATABASE_URL"):
        env.pop(k, None)
    port = free_port()
    log = open(data_dir / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "contract_review.cli", "serve", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + ready_within
    while True:
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return proc, url, log
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            log.close()
            tail = (data_dir / "server.log").read_text("utf-8", "replace")[-3000:]
            raise RuntimeError("server did not start:\n" + tail)
        time.sleep(0.3)
