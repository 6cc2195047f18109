// Expected outputs of the published ML Emissions Calculator (mlco2/impact) for mlcarbon's
// `--compat mlco2` tests, computed the way the calculator does (JavaScript number semantics throughout).
// Usage: node mlco2_expected.js [OUT_FILE]
//   reads   crates/mlcarbon-data/data/mlco2/{impact,gpus}.csv
//   writes  OUT_FILE, default crates/mlcarbon-model/tests/data/mlco2_expected.csv
const fs = require('fs');
const path = require('path');
const CRATES = path.resolve(__dirname, '..', '..');
const DATA = path.join(CRATES, 'mlcarbon-data', 'data', 'mlco2') + path.sep;
const OUT = process.argv[2] || path.join(CRATES, 'mlcarbon-model', 'tests', 'data', 'mlco2_expected.csv');

function parseCsv(text) {            // RFC 4180: quoted fields, "" escapes, CRLF/LF
  const rows = []; let row = []; let f = ''; let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"') { if (text[i + 1] === '"') { f += '"'; i++; } else q = false; }
      else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(f); f = ''; }
    else if (c === '\n') { row.push(f); rows.push(row); row = []; f = ''; }
    else if (c === '\r') { /* skip */ }
    else f += c;
  }
  if (f !== '' || row.length) { row.push(f); rows.push(row); }
  return rows;
}
function table(file) {
  const rows = parseCsv(fs.readFileSync(DATA + file, 'utf8'));
  const head = rows[0].map(h => h.trim());
  return rows.slice(1).filter(r => r.length > 1).map(r => {
    const o = {}; head.forEach((h, i) => { o[h] = r[i] === undefined ? '' : r[i]; }); return o;
  });
}
const round2 = x => Number(x.toFixed(2));
const impact = table('impact.csv');
const gpus = table('gpus.csv');
const devices = ['Tesla V100-PCIE-16GB', 'A100 PCIe 40/80GB', 'H100 SXM', 'T4', 'TPUv3 Chip', 'RTX 3090'];
const hoursList = [1, 3, 10.5, 100, 0.5, 24.25];
const q = s => (/[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s);
const out = ['gpu,hours,provider,region,tdp_w,impact_g_per_kwh,kwh,kg_per_kwh,kg,offset_kg'];
for (const name of devices) {
  const g = gpus.find(r => r.name === name);
  if (!g) throw new Error('no device ' + name);
  const tdp = Number(g.tdp_watts);
  for (const h of hoursList) {
    for (const r of impact) {
      if (r.region === '') continue;
      const kwh = round2(tdp * h / 1000);
      const kgPerKwh = round2(parseInt(r.impact) / 1000);
      const kg = round2(kwh * kgPerKwh);
      const offsetKg = round2(kg * parseInt(r.offsetRatio) / 100);
      out.push([q(name), String(h), q(r.provider), q(r.region), String(tdp), q(r.impact),
                String(kwh), String(kgPerKwh), String(kg), String(offsetKg)].join(','));
    }
  }
}
fs.writeFileSync(OUT, out.join('\n') + '\n');
console.log('rows', out.length - 1);
