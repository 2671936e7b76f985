// web/app.js - the zone dashboard: a symbol's candles (GET /bars) with its active liquidity
// zones (GET /zones) drawn as horizontal bands, and open trades (GET /trades) as price lines.
//
// The one idea: zones are not a series but a *primitive* attached to the candle series, so
// the chart library calls us back on every redraw (scroll, zoom, resize) and the bands stay
// glued to their prices. Polling replaces the zone list and asks for a redraw.
//
// URL parameters: ?symbol=EURUSD&limit=600&refresh=5 (seconds between polls).
// window.liqDashboard exposes what was drawn, for the end-to-end test and for debugging.
/* global LightweightCharts */
'use strict';

const SOURCE_COLOURS = {
  VWAP_DAILY: '#2962ff', VWAP_WEEKLY: '#1e3a8a', PIVOT_M5: '#f7a600', PIVOT_M15: '#ff6d00',
  FLOOR_PIVOT: '#9c27b0', HIGH_DAILY: '#f23645', LOW_DAILY: '#089981', HIGH_WEEKLY: '#b71c1c',
  LOW_WEEKLY: '#00695c', PREVIOUS_CLOSE: '#787b86', ROUND: '#b2b5be', GANN: '#e91e63',
  WYCKOFF: '#795548', CLUSTER: '#00bcd4', EQUAL_LEVELS: '#cddc39',
};

const params = new URLSearchParams(location.search);
const state = {
  symbol: params.get('symbol') || '',
  limit: Number(params.get('limit')) || 600,
  refreshMs: 1000 * (Number(params.get('refresh')) || 5),
  timer: null,
  precision: 5,
};
const dash = { candles: 0, zones: 0, bandsDrawn: 0, bands: [], trades: 0, polls: 0, errors: 0 };
window.liqDashboard = dash;

function rgba(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha.toFixed(3)})`;
}

// --- the zone bands primitive -------------------------------------------------------------

class BandsRenderer {
  constructor(bands) { this.bands = bands; }

  draw(target) {
    target.useBitmapCoordinateSpace((scope) => {
      const ctx = scope.context;
      const width = scope.bitmapSize.width;
      const vr = scope.verticalPixelRatio;
      const drawn = [];
      const labelled = []; // y of the labels written, so close bands do not overprint
      for (const b of this.bands) {
        if (b.top === null || b.bottom === null) continue;
        const top = Math.round(Math.min(b.top, b.bottom) * vr);
        const h = Math.max(Math.round(Math.abs(b.bottom - b.top) * vr), Math.round(2 * vr));
        if (top + h < 0 || top > scope.bitmapSize.height) continue;
        ctx.fillStyle = b.fill;
        ctx.fillRect(0, top, width, h);
        ctx.fillStyle = b.edge;
        ctx.fillRect(0, top, width, Math.max(1, Math.round(vr)));
        ctx.fillRect(0, top + h - Math.max(1, Math.round(vr)), width, Math.max(1, Math.round(vr)));
        if (!labelled.some((y) => Math.abs(y - top) < 16 * vr)) {
          ctx.font = `${Math.round(10 * vr)}px system-ui, sans-serif`;
          ctx.fillStyle = b.edge;
          ctx.fillText(b.label, Math.round(6 * scope.horizontalPixelRatio), top - Math.round(3 * vr));
          labelled.push(top);
        }
        drawn.push({ id: b.id, source: b.source, y: (top + h / 2) / vr, fill: b.fill });
      }
      dash.bandsDrawn = drawn.length;
      dash.bands = drawn;
    });
  }
}

class BandsView {
  constructor(owner) { this.owner = owner; this.bands = []; }

  update() {
    const s = this.owner.series;
    this.bands = this.owner.zones.map((z) => {
      const source = z.sources[0] || 'ROUND';
      const colour = SOURCE_COLOURS[source] || '#b2b5be';
      return {
        id: z.id, source,
        label: `${z.sources.join('+')} · ${z.strength.toFixed(2)}`,
        top: s.priceToCoordinate(z.price_high),
        bottom: s.priceToCoordinate(z.price_low),
        fill: rgba(colour, 0.06 + 0.34 * Math.max(0, Math.min(1, z.strength))),
        edge: rgba(colour, 0.8),
      };
    });
  }

  renderer() { return new BandsRenderer(this.bands); }

  zOrder() { return 'bottom'; }
}

class ZoneBands {
  constructor() { this.zones = []; this.views = [new BandsView(this)]; this.requestUpdate = null; }

  attached({ series, requestUpdate }) { this.series = series; this.requestUpdate = requestUpdate; }

  detached() { this.requestUpdate = null; }

  updateAllViews() { this.views.forEach((v) => v.update()); }

  paneViews() { return this.views; }

  setZones(zones) {
    this.zones = zones;
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

function setStatus(text, isError) {
  const el = document.getElementById('status');
  el.textContent = text;
  el.classList.toggle('error', Boolean(isError));
}

function precisionFor(price) {
  if (price >= 1000) return 2;
  if (price >= 10) return 3;
  return 5;
}

async function loadSymbols() {
  const body = await getJson('/symbols');
  const sel = document.getElementById('symbol');
  sel.replaceChildren();
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
  if (data.length) {
    const p = precisionFor(data[data.length - 1].close);
    state.precision = p;
    candles.applyOptions({ priceFormat: { type: 'price', precision: p, minMove: 10 ** -p } });
  }
  const first = dash.candles === 0;
  candles.setData(data);
  dash.candles = data.length;
  if (first) chart.timeScale().fitContent();
}

async function pollZones() {
  const q = `symbol=${encodeURIComponent(state.symbol)}&active=true&limit=300`;
  const body = await getJson(`/zones?${q}`);
  bands.setZones(body.zones);
  dash.zones = body.zones.length;
  return body;
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
    dash.polls++;
    setStatus(`${state.symbol} · ${dash.candles} bars · ${dash.zones} active zones · ` +
      `as of ${z.as_of || '—'}`);
  } catch (e) {
    dash.errors++;
    setStatus(e.message, true);
  }
}

function legend() {
  const ul = document.getElementById('legend');
  for (const [name, colour] of Object.entries(SOURCE_COLOURS)) {
    const li = document.createElement('li');
    const sw = document.createElement('i');
    sw.style.background = colour;
    li.append(sw, name);
    ul.append(li);
  }
}

function restart() {
  clearInterval(state.timer);
  dash.candles = 0;
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

legend();
loadSymbols().then(restart).catch((e) => setStatus(e.message, true));
