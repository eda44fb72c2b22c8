"""The web dashboard in Bahasa Indonesia (``/dashboard``): headline figures, monthly trends
(kegiatan; ormas recorded and SKTs issued over 24 months; SKTs ending over the next 12),
a table by child region with drill-down (nation → province → city), filters by period, kind and
bidang, printable. A static page: its script reads the JSON API with the user's own token."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["dashboard"])

PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Dasbor Kesbangpol</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;padding:1rem;color:#222}h1{font-size:1.4rem;margin:.2rem 0}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}.card{border:1px solid #ccc;border-radius:8px;padding:.8rem;min-width:10rem}
.card b{display:block;font-size:1.6rem}form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
label{display:flex;flex-direction:column;font-size:.85rem}table{border-collapse:collapse;margin-top:1rem}
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}td.n{text-align:right}#err{color:#a00}
@media print{form,#auth,button{display:none}}
</style></head><body>
<div id="auth"><label>Token akses <input id="token" type="password" autocomplete="off"></label></div>
<h1 id="title">Dasbor</h1><p id="crumbs"></p>
<form id="filters">
<label>Dari bulan <input id="since" type="month"></label><label>Sampai bulan <input id="until" type="month"></label>
<label>Jenis <select id="kind"><option value="">Semua</option><option value="ormas">Ormas</option><option value="lsm">LSM</option>
<option value="okp">OKP</option><option value="profesi">Profesi</option><option value="keagamaan">Keagamaan</option></select></label>
<label>Bidang <input id="bidang" placeholder="mis. sosial"></label><button type="submit">Tampilkan</button>
<button type="button" onclick="window.print()">Cetak</button></form>
<p id="err" role="alert"></p>
<div class="cards">
<div class="card">Jumlah ormas<b id="c-ormas">-</b></div><div class="card">SKT berlaku<b id="c-skt">-</b></div>
<div class="card">SKT berakhir ≤ 90 hari<b id="c-expiring">-</b></div><div class="card">Kegiatan<b id="c-kegiatan">-</b></div>
<div class="card">Tingkat kehadiran<b id="c-attendance">-</b></div><div class="card">Aspirasi<b id="c-aspirasi">-</b></div></div>
<h2>Kegiatan per bulan</h2><svg id="trend" width="640" height="180" role="img" aria-label="Kegiatan per bulan"></svg>
<h2>Ormas tercatat per bulan (24 bulan terakhir)</h2>
<svg id="trend-recorded" width="640" height="180" role="img" aria-label="Ormas tercatat per bulan"></svg>
<h2>SKT terbit per bulan (24 bulan terakhir)</h2>
<svg id="trend-skt" width="640" height="180" role="img" aria-label="SKT terbit per bulan"></svg>
<h2>SKT berakhir per bulan (12 bulan ke depan)</h2>
<svg id="trend-ending" width="640" height="180" role="img" aria-label="SKT berakhir per bulan"></svg>
<h2 id="children-title">Per wilayah</h2>
<table id="children"><thead><tr><th>Wilayah</th><th>Kode</th><th>Ormas</th></tr></thead><tbody></tbody></table>
<script>
const q = new URLSearchParams(location.search);
let region = q.has('region') ? q.get('region') : null;  // null: the caller's own office
const tok = document.getElementById('token');
tok.value = sessionStorage.getItem('kesbang-token') || '';
tok.onchange = () => {  // a change event also comes when the field loses focus: reload only for a new token
  if (tok.value === sessionStorage.getItem('kesbang-token')) return;
  sessionStorage.setItem('kesbang-token', tok.value); load();
};
const $ = (id) => document.getElementById(id);
async function get(path) {
  const r = await fetch(path, {headers: {'Authorization': 'Bearer ' + tok.value}});
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.detail || r.statusText);
  return body;
}
function params(extra) {
  const p = new URLSearchParams(extra);
  if (region !== null) p.set('region', region);
  return p;
}
const BULAN = ['Jan', 'Feb', 'Mar', 'Apr', 'Mei', 'Jun', 'Jul', 'Agu', 'Sep', 'Okt', 'Nov', 'Des'];
function bars(id, series, color) {  // a bar per month, its figure on hover and above the bar
  const months = Object.entries(series || {});
  const max = Math.max(1, ...months.map(([, n]) => n));
  const w = Math.max(8, Math.floor(600 / Math.max(1, months.length)));
  $(id).innerHTML = months.map(([m, n], i) => {
    const label = BULAN[Number(m.slice(5, 7)) - 1] + ' ' + m.slice(2, 4);
    return `<g><rect x="${20 + i * w}" y="${150 - 130 * n / max}" width="${w - 4}" height="${130 * n / max}" fill="${color}">` +
      `<title>${label}: ${n.toLocaleString('id-ID')}</title></rect>` +
      (n ? `<text x="${20 + i * w}" y="${146 - 130 * n / max}" font-size="9">${n}</text>` : '') +
      `<text x="${20 + i * w}" y="170" font-size="8">${label}</text></g>`;
  }).join('');
}
let loading = 0;  // only the latest load draws: an older answer arriving late is dropped
async function load() {
  const mine = ++loading;
  $('err').textContent = '';
  if (!tok.value) { $('err').textContent = 'Masukkan token akses.'; return; }
  try {
    const o = await get('/stats/ormas?' + params({kind: $('kind').value, bidang: $('bidang').value}));
    const kp = {}; if ($('since').value) kp.since = $('since').value; if ($('until').value) kp.until = $('until').value;
    const k = await get('/stats/kegiatan?' + params(kp));
    if (mine !== loading) return;
    region = o.region;
    $('title').textContent = 'Dasbor ' + o.name;
    $('crumbs').innerHTML = o.parent !== null && o.parent !== undefined
      ? `<a href="#" data-region="${o.parent}">&larr; naik satu tingkat</a>` : '';
    $('c-ormas').textContent = o.total.toLocaleString('id-ID');
    $('c-skt').textContent = ((o.by_status.registered || 0) + (o.by_status.expiring || 0)).toLocaleString('id-ID');
    $('c-expiring').textContent = o.skt_expiring_90_days.toLocaleString('id-ID');
    $('c-kegiatan').textContent = k.kegiatan.total.toLocaleString('id-ID');
    const rate = k.participation.attendance_rate;
    $('c-attendance').textContent = rate === null ? '-' : (rate * 100).toFixed(1).replace('.', ',') + '%';
    $('c-aspirasi').textContent = k.aspirations.total.toLocaleString('id-ID');
    bars('trend', k.kegiatan.by_month, '#8b0000');
    bars('trend-recorded', o.recorded_by_month, '#1f4e79');
    bars('trend-skt', o.skt_issued_by_month, '#2e7d32');
    bars('trend-ending', o.skt_ending_by_month, '#b26a00');
    const rows = o.children.slice().sort((a, b) => b.ormas - a.ormas);
    $('children').querySelector('tbody').innerHTML = rows.map((c) =>
      `<tr><td><a href="#" data-region="${c.code}">${c.name}</a></td><td>${c.code}</td><td class="n">${c.ormas.toLocaleString('id-ID')}</td></tr>`).join('');
    history.replaceState(null, '', '?region=' + encodeURIComponent(region));
  } catch (e) { if (mine === loading) $('err').textContent = e.message; }
}
document.addEventListener('click', (ev) => {
  const a = ev.target.closest('a[data-region]');
  if (a) { ev.preventDefault(); region = a.dataset.region; load(); }
});
$('filters').onsubmit = (ev) => { ev.preventDefault(); load(); };
load();
</script></body></html>"""


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
async def dashboard() -> HTMLResponse:
    return HTMLResponse(PAGE, headers={"Cache-Control": "public, max-age=300"})
