// tests/e2e/dashboard.mjs - the dashboard end to end, in Debian's headless chromium.
//
// Starts liquidityd (any free port) on the database of LIQ_DATABASE_URL, feeds it the
// EURUSD M15 year as text/csv, opens a trade through POST /setups when the trading routes
// exist, then loads GET /dashboard in chromium driven by playwright-core and checks that
//   - the chart's canvases are drawn (non-zero size, candles loaded from GET /bars),
//   - at least one zone band is drawn, and the canvas pixel at its centre is not the
//     background colour,
//   - it reads at a glance: every band at least MIN_BAND_PX high, labels that overlap
//     neither each other nor the last-price line, bands that start where their zone was
//     created (some inside the chart, none before its left edge), a legend of exactly the
//     symbol's enabled sources,
//   - the zones poll sends If-None-Match and gets 304s while nothing changes,
//   - the drawn sources (FVG and ORDER_BLOCK are enabled here): at least one FVG drawn as a
//     box from its bar forward (its pixels coloured) and one order block with its candle
//     framed,
//   - the page raised no JavaScript error and requested nothing outside the service.
// A screenshot goes to tests/artifacts/dashboard.png (and docs/img/dashboard.png with
// --update-docs). Exit 0 on success.
//
//   node tests/e2e/dashboard.mjs BUILD/liquidityd [--update-docs]
//   env: LIQ_DATABASE_URL (required), LIQ_CHROMIUM (default /usr/bin/chromium),
//        LIQ_EURUSD_CSV (default ../shared/data/EURUSD_15M.csv)
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, copyFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(new URL('../../tools/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const binary = process.argv[2];
const updateDocs = process.argv.includes('--update-docs');
const csvPath = process.env.LIQ_EURUSD_CSV || join(ROOT, '../shared/data/EURUSD_15M.csv');
const BACKGROUND = [0x13, 0x17, 0x22];

function fail(msg) {
  console.error(`dashboard e2e: FAIL: ${msg}`);
  process.exitCode = 1;
  throw new Error(msg);
}

function startService() {
  if (!binary) fail('usage: node dashboard.mjs BUILD/liquidityd [--update-docs]');
  if (!process.env.LIQ_DATABASE_URL) fail('LIQ_DATABASE_URL is not set');
  const child = spawn(binary, ['--config', join(ROOT, 'config/liquidityd.conf')], {
    // The EURUSD year's zones are weaker than the default min_liquidity_strength (0.60):
    // lower it so a setup opens and the page has a trade's stop and targets to draw.
    env: { ...process.env, LIQ_PORT: '0', LIQ_LOG_LEVEL: 'warn', LIQ_THREADS: '4',
      LIQ_MIN_LIQUIDITY_STRENGTH: '0.1',
      // the default sources plus two drawn ones, which the page draws as boxes
      LIQ_LIQUIDITY_SOURCES: 'VWAP_DAILY,VWAP_WEEKLY,PIVOT_M5,PIVOT_M15,HIGH_DAILY,LOW_DAILY,' +
        'WYCKOFF,CLUSTER,ROUND,PREVIOUS_CLOSE,FVG,ORDER_BLOCK',
      // gaps end at a full fill (not the default touch), so some stand at the year's end
      LIQ_FVG_MITIGATION: '1' },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  return new Promise((res, rej) => {
    let buf = '';
    const timer = setTimeout(() => rej(new Error('liquidityd did not report listening in 30 s')), 30000);
    child.stderr.on('data', (d) => {
      buf += d;
      const m = buf.match(/"msg":"listening","port":(\d+)/);
      if (m) {
        clearTimeout(timer);
        child.stderr.removeAllListeners('data');
        child.stderr.on('data', (x) => process.stderr.write(x));
        res({ child, base: `http://127.0.0.1:${m[1]}` });
      }
    });
    child.on('exit', (code) => rej(new Error(`liquidityd exited with ${code}: ${buf}`)));
  });
}

async function http(base, method, path, body, type) {
  const r = await fetch(base + path, {
    method, body, headers: type ? { 'Content-Type': type } : {},
  });
  const text = await r.text();
  return { status: r.status, text, json: () => JSON.parse(text) };
}

/** Opens one trade so the dashboard has stop and target lines to draw (best effort). */
async function openTrade(base) {
  const z = (await http(base, 'GET', '/zones/nearest?symbol=EURUSD')).json();
  for (const side of ['BUY', 'SELL']) {
    const req = { symbol: 'EURUSD', side, entry: z.price, trend_score: 0.7,
      regime_mode: 'NORMAL', regime_transition_strength: 0 };
    const r = await http(base, 'POST', '/setups', JSON.stringify(req), 'application/json');
    if (r.status === 200 || r.status === 201) return r.json().trade_id;
    if (r.status === 404 || r.status === 405) return null; // no trading routes in this build
  }
  return null;
}

const MIN_BAND_PX = 6;

/** The "at a glance" rules on what the page reports it drew (window.liqDashboard). */
function checkGlance(dash, symbols) {
  const thin = dash.bands.filter((b) => b.height < MIN_BAND_PX - 0.01);
  if (thin.length) fail(`bands thinner than ${MIN_BAND_PX}px: ${JSON.stringify(thin)}`);
  const labels = [...dash.labels].sort((a, b) => a.top - b.top);
  if (labels.length === 0) fail('no zone label drawn');
  for (let i = 1; i < labels.length; i++) {
    if (labels[i].top < labels[i - 1].top + labels[i - 1].height) {
      fail(`labels overprint: ${JSON.stringify([labels[i - 1], labels[i]])}`);
    }
  }
  const y = dash.lastPriceY;
  const onLine = labels.filter((l) => y !== null && l.top < y && y < l.top + l.height);
  if (onLine.length) fail(`labels over the last-price line at ${y}: ${JSON.stringify(onLine)}`);
  if (dash.bands.some((b) => b.x0 < 0)) fail('a band starts left of the chart');
  if (!dash.bands.some((b) => b.x0 > 0)) fail('every band spans the whole chart: none starts where its zone was created');
  const on = symbols.symbols.find((s) => s.symbol === 'EURUSD').sources;
  if (JSON.stringify(dash.legend) !== JSON.stringify(on)) {
    fail(`legend ${JSON.stringify(dash.legend)} is not the enabled sources ${JSON.stringify(on)}`);
  }
  console.log(`dashboard e2e: ${dash.bands.length} bands >= ${MIN_BAND_PX}px, ` +
    `${labels.length} labels without overlap, legend ${on.length} sources, ` +
    `${dash.notModified} zone poll(s) answered 304`);
}

async function main() {
  const { child, base } = await startService();
  let browser;
  try {
    const csv = readFileSync(csvPath);
    const ing = await http(base, 'POST', '/bars?symbol=EURUSD&timeframe=M15', csv, 'text/csv');
    if (ing.status !== 200) fail(`POST /bars: ${ing.status} ${ing.text.slice(0, 200)}`);
    console.log(`dashboard e2e: ingested ${ing.text}`);
    const tradeId = await openTrade(base);
    console.log(`dashboard e2e: open trade ${tradeId ?? '(none: no trading routes or refused)'}`);

    browser = await chromium.launch({
      executablePath: process.env.LIQ_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const pageErrors = [];
    const foreign = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
        pageErrors.push(m.text());
      }
    });
    // Every request the page makes must succeed, except /trades in a build without it.
    page.on('response', (r) => {
      const p = new URL(r.url()).pathname;
      if (r.status() >= 400 && !p.startsWith('/trades') && !p.endsWith('/evidence')) {
        pageErrors.push(`${r.status()} for ${r.url()}`);
      }
    });
    page.on('request', (r) => { if (!r.url().startsWith(base)) foreign.push(r.url()); });

    const resp = await page.goto(`${base}/dashboard?symbol=EURUSD&limit=600&refresh=1`);
    if (!resp || resp.status() !== 200) fail(`GET /dashboard: ${resp && resp.status()}`);
    await page.waitForFunction(
      () => window.liqDashboard && window.liqDashboard.polls >= 1 &&
        window.liqDashboard.bandsDrawn > 0, null, { timeout: 30000 },
    ).catch(async () => {
      const d = await page.evaluate(() => JSON.stringify(window.liqDashboard));
      fail(`no zone band drawn within 30 s: ${d}`);
    });
    if (tradeId !== null) {
      await page.waitForFunction(() => window.liqDashboard.trades >= 1, null, { timeout: 10000 })
        .catch(() => fail('the open trade was not drawn'));
    }
    await page.waitForFunction(() => window.liqDashboard.notModified >= 1, null,
      { timeout: 15000 }).catch(() => fail('the zones poll never got a 304 (If-None-Match)'));
    const dash = await page.evaluate(() => window.liqDashboard);
    checkGlance(dash, (await http(base, 'GET', '/symbols')).json());
    const fvg = dash.boxes.filter((b) => b.source === 'FVG');
    if (!fvg.some((b) => b.x0 > 0 && b.x1 > b.x0)) {
      fail(`no FVG box drawn from its bar forward: ${JSON.stringify(dash.boxes)}`);
    }
    if (!dash.boxes.some((b) => b.source === 'ORDER_BLOCK') || dash.obCandles.length === 0) {
      fail(`no order block drawn with its candle: ${JSON.stringify(dash.obCandles)}`);
    }
    console.log(`dashboard e2e: ${fvg.length} FVG box(es), ${dash.obCandles.length} order ` +
      `block candle(s) framed`);
    // the evidence table, when this build has GET /symbols/{symbol}/evidence
    const ev = await http(base, 'GET', '/symbols/EURUSD/evidence');
    if (ev.status === 200) {
      const rows = 1 + (ev.json().by_source || []).length;
      const shown = await page.evaluate(() => ({ n: window.liqDashboard.evidence,
        hidden: document.getElementById('evidence').hidden }));
      if (shown.hidden || shown.n !== rows) {
        fail(`evidence table: ${JSON.stringify(shown)}, the endpoint has ${rows} rows`);
      }
      // a source not tested yet shows no rate and no lift (not the prior's 0 ± 100)
      const cells = await page.evaluate(() => [...document.querySelectorAll('#evidence tbody tr')]
        .map((tr) => [...tr.children].map((td) => td.textContent)));
      const bad = cells.filter((c) => (c[1] === '0') !== (c[4] === '–'));
      if (bad.length) fail(`evidence rows with a lift and no test (or the reverse): ${JSON.stringify(bad)}`);
      const untested = cells.filter((c) => c[1] === '0').length;
      console.log(`dashboard e2e: evidence table with ${rows} rows (${untested} not tested yet)`);
    }
    const probe = await page.evaluate(({ ys, boxes }) => {
      const canvases = [...document.querySelectorAll('#chart canvas')];
      const sizes = canvases.map((c) => [c.width, c.height]);
      const dpr = window.devicePixelRatio || 1;
      const hits = [];
      for (const c of canvases) {
        const ctx = c.getContext('2d');
        for (const y of ys) {
          const py = Math.round(y * dpr);
          if (py < 0 || py >= c.height) continue;
          const p = ctx.getImageData(Math.round(20 * dpr), py, 1, 1).data;
          hits.push([p[0], p[1], p[2], p[3]]);
        }
      }
      const boxHits = [];
      for (const c of canvases) {
        const ctx = c.getContext('2d');
        for (const b of boxes) {
          const px = Math.round(((b.x0 + Math.min(b.x1, c.width / dpr)) / 2) * dpr);
          const py = Math.round(b.y * dpr);
          if (py < 0 || py >= c.height || px < 0 || px >= c.width) continue;
          const p = ctx.getImageData(px, py, 1, 1).data;
          boxHits.push([p[0], p[1], p[2], p[3]]);
        }
      }
      return { sizes, hits, boxHits };
    }, { ys: dash.bands.map((b) => b.y), boxes: dash.boxes.filter((b) => b.source === 'FVG') });
    if (!probe.sizes.some(([w, h]) => w > 200 && h > 200)) {
      fail(`no chart canvas was drawn: ${JSON.stringify(probe.sizes)}`);
    }
    if (dash.candles < 100) fail(`only ${dash.candles} candles loaded`);
    const coloured = probe.hits.filter(([r, g, b, a]) => a > 0 &&
      (Math.abs(r - BACKGROUND[0]) + Math.abs(g - BACKGROUND[1]) + Math.abs(b - BACKGROUND[2])) > 6);
    if (coloured.length === 0) fail(`band pixels look like the background: ${JSON.stringify(probe.hits)}`);
    const boxColoured = probe.boxHits.filter(([r, g, b, a]) => a > 0 &&
      (Math.abs(r - BACKGROUND[0]) + Math.abs(g - BACKGROUND[1]) + Math.abs(b - BACKGROUND[2])) > 6);
    if (boxColoured.length === 0) fail(`FVG box pixels look like the background: ${JSON.stringify(probe.boxHits)}`);
    if (pageErrors.length) fail(`page errors: ${pageErrors.join(' | ')}`);
    if (foreign.length) fail(`requests outside the service: ${foreign.join(' ')}`);

    mkdirSync(join(ROOT, 'tests/artifacts'), { recursive: true });
    const shot = join(ROOT, 'tests/artifacts/dashboard.png');
    await page.screenshot({ path: shot });
    if (updateDocs) {
      mkdirSync(join(ROOT, 'docs/img'), { recursive: true });
      copyFileSync(shot, join(ROOT, 'docs/img/dashboard.png'));
    }
    console.log(`dashboard e2e: ok: ${dash.candles} candles, ${dash.zones} zones, ` +
      `${dash.bandsDrawn} bands drawn (${coloured.length} probed pixels coloured), ` +
      `${dash.trades} open trade(s); screenshot ${shot}`);
  } finally {
    if (browser) await browser.close();
    child.kill('SIGTERM');
    const code = child.exitCode !== null ? child.exitCode
      : await new Promise((res) => child.on('exit', res));
    if (code !== 0) fail(`liquidityd exited with ${code} after SIGTERM`);
  }
}

main().catch((e) => {
  if (!process.exitCode) console.error(`dashboard e2e: FAIL: ${e.stack || e}`);
  process.exitCode = 1;
});
