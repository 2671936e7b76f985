// web/app.js - the zone dashboard: a symbol's candles (GET /bars) with its active liquidity
// zones (GET /zones) drawn as horizontal bands, and open trades (GET /trades) as price lines.
//
// The one idea: zones are not a series but a *primitive* attached to the candle series, so
// the chart library calls us back on every redraw (scroll, zoom, resize) and the bands stay
// glued to their prices. Polling replaces the zone list and asks for a redraw.
//
// Read at a glance: each band is filled (at least MIN_BAND_PX high, so a 2-pip zone is a
// band, not two hairlines) and starts at the bar that created the zone (a drawn zone: at the
// bar it is drawn from, ending at the bar that mitigated it; FVGs and order blocks outlined
// as boxes, an order block's candle framed); labels sit at the
// band's left end on a dark plate, are stacked so none overprints another or the last-price
// line, and are dropped when there is no room. The legend lists the symbol's enabled
// sources only. GET /zones is polled with If-None-Match: a 304 keeps what is drawn.
//
// URL parameters: ?symbol=EURUSD&limit=600&refresh=5 (seconds between polls).
// window.liqDashboard exposes what was drawn, for the end-to-end test and for debugging.
/* global LightweightCharts */
'use strict';

const SOURCE_COLOURS = {
  // bright enough on the dark background at low opacity
  VWAP_DAILY: '#2962ff', VWAP_WEEKLY: '#7986cb', PIVOT_M5: '#f7a600', PIVOT_M15: '#ff6d00',
  FLOOR_PIVOT: '#ba68c8', HIGH_DAILY: '#f23645', LOW_DAILY: '#089981', HIGH_WEEKLY: '#e57373',
  LOW_WEEKLY: '#4db6ac', PREVIOUS_CLOSE: '#9598a1', ROUND: '#b2b5be', GANN: '#e91e63',
  WYCKOFF: '#a1887f', CLUSTER: '#00bcd4', EQUAL_LEVELS: '#cddc39',
  // the drawn sources (docs/sources.md "Drawn sources")
  ORDER_BLOCK: '#ff9800', FVG: '#7e57c2', STRUCTURE: '#26c6da', SESSION_HIGH: '#ef9a9a',
  SESSION_LOW: '#80cbc4', PREMIUM_DISCOUNT: '#fff176',
};

const params = new URLSearchParams(location.search);
const state = {
  symbol: params.get('symbol') || '',
  limit: Number(params.get('limit')) || 600,
  refreshMs: 1000 * (Number(params.get('refresh')) || 5),
  timer: null,
  precision: 5,
};
const dash = { candles: 0, zones: 0, bandsDrawn: 0, bands: [], labels: [], lastPriceY: null,
  legend: [], trades: 0, polls: 0, errors: 0, notModified: 0, evidence: 0, boxes: [],
  obCandles: [] };
const MIN_BAND_PX = 6;
const LABEL_PX = 14; // a label plate's height (CSS px)

// Short names for the labels: "VWAPd+P15+FLR · 0.17" instead of the full source names.
const SOURCE_SHORT = {
  VWAP_DAILY: 'VWAPd', VWAP_WEEKLY: 'VWAPw', PIVOT_M5: 'P5', PIVOT_M15: 'P15',
  FLOOR_PIVOT: 'FLR', HIGH_DAILY: 'Hd', LOW_DAILY: 'Ld', HIGH_WEEKLY: 'Hw', LOW_WEEKLY: 'Lw',
  PREVIOUS_CLOSE: 'PC', ROUND: 'RND', GANN: 'GANN', WYCKOFF: 'WYC', CLUSTER: 'CLU',
  EQUAL_LEVELS: 'EQ', ORDER_BLOCK: 'OB', FVG: 'FVG', STRUCTURE: 'STR', SESSION_HIGH: 'SesH',
  SESSION_LOW: 'SesL', PREMIUM_DISCOUNT: 'PD',
};
// Drawn zones shown as boxes from the bar they are drawn from to the bar that mitigated them
// (or the right edge); an order block also outlines its candle.
const BOX_SOURCES = new Set(['FVG', 'ORDER_BLOCK']);
window.liqDashboard = dash;

function rgba(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha.toFixed(3)})`;
}

// --- the zone bands primitive -------------------------------------------------------------

// Label slots: bands sorted by centre, each label placed at its band's centre or pushed
// down below the previous one; a label that would cover the last-price line or leave its
// band's reach (3 plates away) is dropped. All in CSS pixels.
function placeLabels(items, lastY, height) {
  const placed = [];
  let floor = -Infinity;
  for (const it of [...items].sort((a, b) => a.y - b.y)) {
    let top = Math.max(it.y - LABEL_PX / 2, floor);
    if (lastY !== null && top < lastY + LABEL_PX / 2 && top + LABEL_PX > lastY - LABEL_PX / 2) {
      top = lastY + LABEL_PX / 2 + 1; // below the last-price line
    }
    if (top - (it.y - LABEL_PX / 2) > 3 * LABEL_PX || top + LABEL_PX > height) continue;
    placed.push({ ...it, top });
    floor = top + LABEL_PX + 1;
  }
  return placed;
}

// Draws the bands (bottom, under the candles) or their labels (top, over everything).
class BandsRenderer {
  constructor(view, labels) { this.view = view; this.labels = labels; }

  draw(target) {
    target.useBitmapCoordinateSpace((scope) => {
      if (this.labels) this.drawLabels(scope);
      else this.drawBands(scope);
    });
  }

  drawBands(scope) {
    const ctx = scope.context;
    const width = scope.bitmapSize.width;
    const vr = scope.verticalPixelRatio;
    const hr = scope.horizontalPixelRatio;
    const drawn = [];
    const boxes = [];
    const obCandles = [];
    for (const b of this.view.bands) {
      if (b.top === null || b.bottom === null) continue;
      const mid = (b.top + b.bottom) / 2;
      const hCss = Math.max(Math.abs(b.bottom - b.top), MIN_BAND_PX);
      const top = Math.round((mid - hCss / 2) * vr);
      const h = Math.round(hCss * vr);
      if (top + h < 0 || top > scope.bitmapSize.height) continue;
      const x0 = Math.max(0, Math.round(b.x0 * hr));
      if (x0 >= width) continue;
      const x1 = Math.min(width, Math.round(b.x1 * hr));
      if (x1 <= x0) continue;
      ctx.fillStyle = b.fill;
      ctx.fillRect(x0, top, x1 - x0, h);
      ctx.fillStyle = b.edge;
      ctx.fillRect(x0, top, Math.max(1, Math.round(2 * hr)), h); // where the zone began
      if (b.box) { // a drawn box: outlined, so it reads as the gap / block it is
        ctx.strokeStyle = b.edge;
        ctx.lineWidth = Math.max(1, Math.round(hr));
        ctx.strokeRect(x0 + 0.5, top + 0.5, x1 - x0 - 1, h - 1);
        boxes.push({ id: b.id, source: b.source, kind: b.kind, x0: x0 / hr, x1: x1 / hr,
          y: mid, top: mid - hCss / 2, height: hCss });
      }
      if (b.candle && b.candle.x !== null) { // the order block's candle, framed
        const cx = Math.round((b.candle.x - b.candle.half) * hr);
        const cw = Math.max(2, Math.round(2 * b.candle.half * hr));
        if (cx + cw > 0 && cx < width) {
          ctx.strokeStyle = b.edge;
          ctx.lineWidth = Math.max(2, Math.round(2 * hr));
          ctx.strokeRect(cx, top, cw, h);
          obCandles.push({ id: b.id, kind: b.kind, x: b.candle.x, width: cw / hr,
            y: mid, top: mid - hCss / 2, height: hCss });
        }
      }
      drawn.push({ id: b.id, source: b.source, y: mid, top: mid - hCss / 2, height: hCss,
        x0: x0 / hr, fill: b.fill, label: b.label, edge: b.edge });
    }
    this.view.drawn = drawn;
    dash.boxes = boxes;
    dash.obCandles = obCandles;
    dash.bandsDrawn = drawn.length;
    dash.bands = drawn.map(({ id, source, y, top, height, x0, fill }) =>
      ({ id, source, y, top, height, x0, fill }));
  }

  drawLabels(scope) {
    const ctx = scope.context;
    const width = scope.bitmapSize.width;
    const vr = scope.verticalPixelRatio;
    const hr = scope.horizontalPixelRatio;
    const lastY = this.view.lastPriceY;
    const labels = placeLabels(this.view.drawn || [], lastY, scope.bitmapSize.height / vr);
    ctx.font = `${Math.round(10 * vr)}px system-ui, sans-serif`;
    ctx.textBaseline = 'middle';
    for (const l of labels) {
      const w = ctx.measureText(l.label).width + Math.round(8 * hr);
      // at the band's start, pulled left when it would run off the chart
      const x = Math.max(0, Math.min(Math.round((l.x0 + 4) * hr), width - w));
      ctx.fillStyle = 'rgba(19,23,34,0.92)';
      ctx.fillRect(x, Math.round(l.top * vr), w, Math.round(LABEL_PX * vr));
      ctx.fillStyle = l.edge;
      ctx.fillText(l.label, x + Math.round(4 * hr), Math.round((l.top + LABEL_PX / 2) * vr));
    }
    dash.labels = labels.map((l) => ({ id: l.id, top: l.top, height: LABEL_PX, text: l.label }));
    dash.lastPriceY = lastY;
  }
}

class BandsView {
  constructor(owner) { this.owner = owner; this.bands = []; this.lastPriceY = null; }

  update() {
    const s = this.owner.series;
    const ts = this.owner.chart.timeScale();
    this.lastPriceY = this.owner.lastClose === null ? null
      : s.priceToCoordinate(this.owner.lastClose);
    this.bands = this.owner.zones.map((z) => {
      const source = z.sources[0] || 'ROUND';
      const colour = SOURCE_COLOURS[source] || '#b2b5be';
      // from the bar that created the zone; before the first loaded bar: the left edge
      // a drawn zone from the bar it is drawn from (an FVG's middle candle, the order
      // block's candle) to the bar that mitigated it
      const at = (iso) => Math.floor(Date.parse(iso) / 1000);
      const created = at(z.drawn ? z.drawn.drawn_from_ts : z.created_at);
      let x0 = ts.timeToCoordinate(created);
      if (x0 === null) x0 = created < this.owner.firstTime ? 0 : Infinity;
      let x1 = Infinity;
      if (z.drawn && z.drawn.mitigated_ts) {
        const m = ts.timeToCoordinate(at(z.drawn.mitigated_ts));
        if (m !== null) x1 = m;
      }
      const box = Boolean(z.drawn) && BOX_SOURCES.has(source);
      let candle = null;
      if (box && source === 'ORDER_BLOCK') {
        const x = ts.timeToCoordinate(created);
        candle = { x, half: Math.max(2, (ts.options().barSpacing || 6) * 0.4) };
      }
      return {
        id: z.id, source, x0, x1, box, candle, kind: z.drawn ? z.drawn.kind : null,
        label: `${z.sources.map((n) => SOURCE_SHORT[n] || n).join('+')}` +
          `${z.drawn ? ` ${z.drawn.kind}` : ''} · ${z.strength.toFixed(2)}`,
        top: s.priceToCoordinate(z.price_high),
        bottom: s.priceToCoordinate(z.price_low),
        fill: rgba(colour, 0.22 + 0.4 * Math.max(0, Math.min(1, z.strength))),
        edge: rgba(colour, 0.95),
      };
    });
  }

  renderer() { return new BandsRenderer(this, false); }

  zOrder() { return 'bottom'; }
}

// The labels of the bands BandsView drew, above the candles.
class LabelsView {
  constructor(bandsView) { this.bandsView = bandsView; }

  update() {}

  renderer() { return new BandsRenderer(this.bandsView, true); }

  zOrder() { return 'top'; }
}

class ZoneBands {
  constructor() {
    const bandsView = new BandsView(this);
    this.zones = []; this.views = [bandsView, new LabelsView(bandsView)]; this.requestUpdate = null;
    this.lastClose = null; this.firstTime = 0;
  }

  attached({ chart, series, requestUpdate }) {
    this.chart = chart; this.series = series; this.requestUpdate = requestUpdate;
  }

  detached() { this.requestUpdate = null; }

  updateAllViews() { this.views.forEach((v) => v.update()); }

  paneViews() { return this.views; }

  setZones(zones) {
    this.zones = zones;
    if (this.requestUpdate) this.requestUpdate();
  }

  setCandles(firstTime, lastClose) {
    this.firstTime = firstTime;
    this.lastClose = lastClose;
    if (this.requestUpdate) this.requestUpdate();
  }
}

// --- chart ----------------------------------------------------------------------------------

const chartEl = document.getElementById('chart');
const chart = LightweightCharts.createChart(chartEl, {
  autoSize: true,
  layout: { background: { color: '#131722' }, textColor: '#d1d4dc' },
  grid: { vertLines: { color: '#1e222d' }, horzLines: { color: '#1e222d' } },
  timeScale: { timeVisible: true, secondsVisible: false, borderColor: '#2a2e39' },
  rightPriceScale: { borderColor: '#2a2e39' },
  crosshair: { mode: LightweightCharts.CrosshairMode.Normal },
});
const candles = chart.addSeries(LightweightCharts.CandlestickSeries, {
  upColor: '#26a69a', downColor: '#ef5350', borderVisible: false,
  wickUpColor: '#26a69a', wickDownColor: '#ef5350', priceFormat: { type: 'price', precision: 5, minMove: 0.00001 },
});
const bands = new ZoneBands();
candles.attachPrimitive(bands);
let tradeLines = [];

// --- data -----------------------------------------------------------------------------------

async function getJson(path) {
  const r = await fetch(path, { cache: 'no-store', headers: { Accept: 'application/json' } });
  if (!r.ok) {
    const err = new Error(`${path}: HTTP ${r.status}`);
    err.status = r.status;
    throw err;
  }
  return r.json();
}

// GET with If-None-Match: { body, fresh } where fresh is false on a 304 (body: the last one).
const etags = new Map();
async function getJsonCached(path) {
  const have = etags.get(path);
  const headers = { Accept: 'application/json' };
  if (have) headers['If-None-Match'] = have.etag;
  const r = await fetch(path, { cache: 'no-store', headers });
  if (r.status === 304 && have) {
    dash.notModified++;
    return { body: have.body, fresh: false };
  }
  if (!r.ok) {
    const err = new Error(`${path}: HTTP ${r.status}`);
    err.status = r.status;
    throw err;
  }
  const body = await r.json();
  const etag = r.headers.get('ETag');
  if (etag) etags.set(path, { etag, body });
  return { body, fresh: true };
}

function setStatus(text, isError) {
  const el = document.getElementById('status');
  el.textContent = text;
  el.classList.toggle('error', Boolean(isError));
}

// Decimals of a price: one more than the pip's (EURUSD pip 0.0001 -> 5, USDJPY 0.01 -> 3).
function precisionFor(pip) {
  if (!(pip > 0)) return 5;
  return Math.max(0, Math.min(8, Math.round(-Math.log10(pip)) + 1));
}

async function loadSymbols() {
  const body = await getJson('/symbols');
  const sel = document.getElementById('symbol');
  sel.replaceChildren();
  state.symbols = new Map(body.symbols.map((s) => [s.symbol, s]));
  for (const s of body.symbols) {
    const o = document.createElement('option');
    o.value = o.textContent = s.symbol;
    sel.append(o);
  }
  if (!state.symbol && body.symbols.length) state.symbol = body.symbols[0].symbol;
  sel.value = state.symbol;
}

async function pollCandles() {
  const q = `symbol=${encodeURIComponent(state.symbol)}&limit=${state.limit}`;
  const body = await getJson(`/bars?${q}`);
  const data = body.bars.map((b) => ({
    time: Math.floor(Date.parse(b.ts) / 1000), open: b.open, high: b.high, low: b.low, close: b.close,
  }));
  const info = state.symbols && state.symbols.get(state.symbol);
  const p = precisionFor(info && info.pip_size);
  state.precision = p;
  candles.applyOptions({ priceFormat: { type: 'price', precision: p, minMove: 10 ** -p } });
  const first = dash.candles === 0;
  candles.setData(data);
  dash.candles = data.length;
  if (data.length) bands.setCandles(data[0].time, data[data.length - 1].close);
  if (first) chart.timeScale().fitContent();
}

async function pollZones() {
  const q = `symbol=${encodeURIComponent(state.symbol)}&active=true&limit=300`;
  const { body, fresh } = await getJsonCached(`/zones?${q}`);
  if (fresh) bands.setZones(body.zones);
  dash.zones = body.zones.length;
  return body;
}

// The evidence table (GET /symbols/{symbol}/evidence, when the service has it): per source,
// tests, hold rate at its zones and at their controls, and the lift (pp) with its 95 %
// interval; rows whose interval excludes 0 are bold.
async function pollEvidence() {
  const box = document.getElementById('evidence');
  let body;
  try {
    ({ body } = await getJsonCached(`/symbols/${encodeURIComponent(state.symbol)}/evidence`));
  } catch (e) {
    box.hidden = true;
    if (e.status === 404 || e.status === 405) state.noEvidence = true; // not in this build
    return;
  }
  // {"all":{...},"by_source":[{"source","tests","hold_rate","control_hold_rate","lift",
  //  "lift_low","lift_high","significant"},...]}: lifts are differences of rates (pp)
  const rows = [];
  if (body.all) rows.push({ ...body.all, source: 'all' });
  for (const r of body.by_source || []) rows.push(r);
  const tbody = box.querySelector('tbody');
  tbody.replaceChildren();
  const pct = (x) => (typeof x === 'number' ? `${Math.round(100 * x)}%` : '–');
  const pp = (x) => (typeof x === 'number' ? `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}` : '–');
  for (const r of rows) {
    const tr = document.createElement('tr');
    if (r.significant) tr.className = 'significant';
    // the interval is symmetric (normal approximation): its half-width after the lift
    const half = typeof r.lift_high === 'number' && typeof r.lift_low === 'number'
      ? `±${(50 * (r.lift_high - r.lift_low)).toFixed(1)}` : '';
    // no test yet: no rate and no lift to show (the service sends 0 ± 1 as its prior)
    const tested = typeof r.tests === 'number' && r.tests > 0;
    const cells = [SOURCE_SHORT[r.source] || r.source, r.tests,
      tested ? pct(r.hold_rate) : '–', tested ? pct(r.control_hold_rate) : '–',
      tested ? `${pp(r.lift)} ${half}` : '–'];
    for (const c of cells) {
      const td = document.createElement('td');
      td.textContent = c ?? '–';
      tr.append(td);
    }
    tbody.append(tr);
  }
  box.hidden = rows.length === 0;
  dash.evidence = rows.length;
}

async function pollTrades() {
  let body;
  try {
    body = await getJson(`/trades?symbol=${encodeURIComponent(state.symbol)}&status=open`);
  } catch (e) {
    return; // no trades endpoint, or persistence off: nothing to draw
  }
  tradeLines.forEach((l) => candles.removePriceLine(l));
  tradeLines = [];
  const list = document.getElementById('trades');
  list.replaceChildren();
  for (const t of body.trades || []) {
    const line = (price, title, color, style) => {
      if (typeof price === 'number') {
        tradeLines.push(candles.createPriceLine({ price, color, lineWidth: 1, lineStyle: style,
          axisLabelVisible: true, title: `#${t.trade_id} ${title}` }));
      }
    };
    line(t.entry, t.side, '#d1d4dc', LightweightCharts.LineStyle.Dotted);
    line(t.stop_price, 'stop', '#f23645', LightweightCharts.LineStyle.Dashed);
    line(t.tp1, 'tp1', '#089981', LightweightCharts.LineStyle.Dashed);
    line(t.tp2, 'tp2', '#089981', LightweightCharts.LineStyle.Dashed);
    const li = document.createElement('li');
    const fmt = (x) => (typeof x === 'number' ? x.toFixed(state.precision) : '–');
    li.textContent = `#${t.trade_id} ${t.side} ${fmt(t.entry)} · stop ${fmt(t.stop_price)} · ` +
      `tp1 ${fmt(t.tp1)} · ` +
      `left ${Math.round(100 * t.remaining_fraction)}%`;
    list.append(li);
  }
  if (!list.children.length) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = 'none';
    list.append(li);
  }
  dash.trades = (body.trades || []).length;
}

async function poll() {
  if (!state.symbol) {
    setStatus('no symbol has bars yet: POST /bars first');
    return;
  }
  try {
    await pollCandles();
    const z = await pollZones();
    await pollTrades();
    if (dash.polls % 12 === 0 && !state.noEvidence) await pollEvidence();
    dash.polls++;
    setStatus(`${state.symbol} · ${dash.candles} bars · ${dash.zones} active zones · ` +
      `as of ${z.as_of || '—'}`);
  } catch (e) {
    dash.errors++;
    setStatus(e.message, true);
  }
}

// The legend: only the symbol's enabled sources (GET /symbols' "sources").
function legend() {
  const ul = document.getElementById('legend');
  ul.replaceChildren();
  const info = state.symbols && state.symbols.get(state.symbol);
  const on = info && Array.isArray(info.sources) ? info.sources : Object.keys(SOURCE_COLOURS);
  for (const name of on) {
    const li = document.createElement('li');
    const sw = document.createElement('i');
    sw.style.background = SOURCE_COLOURS[name] || '#b2b5be';
    li.append(sw, `${name} (${SOURCE_SHORT[name] || name})`);
    ul.append(li);
  }
  dash.legend = on;
}

function restart() {
  clearInterval(state.timer);
  dash.candles = 0;
  etags.clear();
  dash.polls = 0;
  state.noEvidence = false;
  legend();
  const u = new URL(location.href);
  u.searchParams.set('symbol', state.symbol);
  history.replaceState(null, '', u);
  poll();
  state.timer = setInterval(poll, state.refreshMs);
}

document.getElementById('symbol').addEventListener('change', (e) => {
  state.symbol = e.target.value;
  restart();
});
document.getElementById('limit').value = state.limit;
document.getElementById('limit').addEventListener('change', (e) => {
  state.limit = Math.max(50, Math.min(100000, Number(e.target.value) || 600));
  restart();
});

loadSymbols().then(restart).catch((e) => setStatus(e.message, true));
