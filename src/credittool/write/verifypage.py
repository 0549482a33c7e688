"""publish/证书核验.html (R20): a static page, no server, that tells whether a certificate's
verification code (核验码) is genuine, and what it certifies.

The page holds, per certificate, the SHA-256 of its code (`page_key`) and what may be published of it:
the masked name (张*明), the unit, the term or year, the hours and the status. Neither the
codes nor any ID number are in it: a reader of its source can neither harvest codes nor
learn who holds one; typing a code hashes it in the browser (Web Crypto) and looks it up.
The same certificates give the same bytes.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Sequence
from pathlib import Path

from credittool.atomic import write_atomic
from credittool.ledger.certificates import Certificate

PAGE_NAME = "证书核验.html"


def mask_name(name: str) -> str:
    """张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# the hex digits 0–f written as the letters a–p: a SHA-256 in hex holds a run of 15 or more
# digits about once in 60 codes, and the page then looks as if it held an ID number to
# anyone who checks a publication for them (as tests/test_certificates.py does)
_KEY_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def page_key(code: str) -> str:
    """The page's key for a code: its SHA-256 in hex, written with the letters a–p, so the
    page holds no run of digits (the page's script computes the same, `sha256` in _JS)."""
    return hashlib.sha256(code.encode()).hexdigest().translate(_KEY_LETTERS)


def entries(certs: Sequence[Certificate]) -> dict[str, list[str]]:
    return {page_key(c.code): [mask_name(c.name), c.unit, c.what, c.hours, c.status] for c in certs}


def write(certs: Sequence[Certificate], folder: Path, issuer: str = "") -> Path:
    path = folder / PAGE_NAME

    def put(tmp: Path) -> None:
        tmp.write_bytes(render(certs, issuer).encode("utf-8"))
        tmp.chmod(0o644)  # a page to publish is world-readable

    write_atomic(path, put)
    return path


_CSS = """
body{margin:0 auto;max-width:36rem;padding:1.5rem 1rem;color:#1b1b1b;
font:16px/1.6 system-ui,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif}
h1{font-size:1.4rem}
input{font:inherit;font-size:1.2rem;letter-spacing:.1em;padding:.4rem;width:14em;text-transform:uppercase}
button{font:inherit;padding:.4rem 1rem}
#result{margin-top:1rem;padding:.75rem;border-radius:.25rem}
.ok{background:#e8f5e9;border:1px solid #66bb6a}.bad{background:#ffebee;border:1px solid #e57373}
.revoked{background:#fff8e1;border:1px solid #ffb300}
th{text-align:left;padding-right:1rem;font-weight:600}
footer{margin-top:2rem;font-size:.85rem;color:#555}
"""

_JS = """
const C = JSON.parse(document.getElementById('data').textContent);
function norm(t) {
  t = t.toUpperCase().replace(/[^A-Z2-7]/g, '');
  return t.length === 12 ? t.slice(0, 4) + '-' + t.slice(4, 8) + '-' + t.slice(8) : '';
}
const L = 'abcdefghijklmnop';  // the hex digits 0-f as letters (page_key)
async function sha256(s) {
  const b = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s));
  return Array.from(new Uint8Array(b), x => L[x >> 4] + L[x & 15]).join('');
}
function say(cls, html) {
  const r = document.getElementById('result');
  r.className = cls; r.innerHTML = html; r.hidden = false;
}
function esc(s) { const d = document.createElement('div'); d.textContent = s; return d.innerHTML; }
async function check(text) {
  const code = norm(text);
  if (!code) { say('bad', '核验码应为 12 位字母或数字，例如 ABCD-EFGH-IJKL。'); return; }
  const r = C[await sha256(code)];
  if (!r) { say('bad', '<strong>查无此证：</strong>核验码 ' + esc(code) + ' 不是本单位签发的证书。请核对后重新输入。'); return; }
  const rows = [['姓名', r[0]], ['单位', r[1]], ['证明事项', r[2]], ['学时', r[3]], ['状态', r[4]]]
    .map(([k, v]) => '<tr><th>' + k + '</th><td>' + esc(v) + '</td></tr>').join('');
  const head = r[4] === '有效' ? '<strong>证书真实有效。</strong>' : '<strong>此证书已撤销</strong>，不再有效。';
  say(r[4] === '有效' ? 'ok' : 'revoked', head + '<table>' + rows + '</table>');
}
document.getElementById('f').addEventListener('submit', e => { e.preventDefault(); check(document.getElementById('code').value); });
if (location.hash.length > 1) {
  const c = decodeURIComponent(location.hash.slice(1));
  document.getElementById('code').value = c; check(c);
}
"""


def render(certs: Sequence[Certificate], issuer: str = "") -> str:
    data = json.dumps(entries(certs), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    data = data.replace("</", "<\\/")  # inside <script>: no value can close the element
    who = f"{html.escape(issuer)}签发的" if issuer else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>继续教育证书核验</title>
<style>{_CSS}</style>
</head>
<body>
<h1>继续教育证书核验</h1>
<p>输入证书上的核验码（12 位，如 ABCD-EFGH-IJKL），核对{who}证书是否真实有效。</p>
<form id="f"><input id="code" autocomplete="off" spellcheck="false" aria-label="核验码" placeholder="ABCD-EFGH-IJKL">
<button type="submit">核验</button></form>
<div id="result" hidden></div>
<noscript><p class="bad">本页需要浏览器启用 JavaScript。</p></noscript>
<footer>本页离线可用，不含任何身份证号；只显示姓名的首尾字。共收录证书 {len(certs)} 份（含已撤销）。</footer>
<script type="application/json" id="data">{data}</script>
<script>{_JS}</script>
</body>
</html>
"""
