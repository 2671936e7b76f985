// tests/contract/outside.mjs - the service seen from outside, with third-party tools
// (issue 13): Dredd runs openapi.yaml against the live service, then a schema-driven fuzzer
// sends a few thousand requests built from the same file.
//
//   node tests/contract/outside.mjs BUILD/liquidityd
//
// Starts liquidityd on the database of LIQ_DATABASE_URL (any free port), feeds it the first
// 3,000 EURUSD M15 bars and opens one trade, so every documented read has something to read.
//   1. Dredd (tools/package.json pins it) with tests/contract/dredd_hooks.cjs: every 2xx
//      transaction of the contract must pass; no failure and no error.
//   2. The fuzzer: for every operation, requests whose parameters and bodies come from the
//      schemas - valid values, boundary values, values just outside, wrong types, extreme
//      numbers, hostile strings - and checks each answer: no 5xx, a JSON body wherever the
//      contract says JSON (and the Error shape on every 4xx), a status the operation
//      documents, and the body valid against the documented schema.
//   3. Every line the service logged is JSON.
// Exit 0 when all three hold. LIQ_FUZZ_REQUESTS (default 3000) sets the fuzzer's size.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import oasSchema from './oas_schema.cjs';

const { toDraft7 } = oasSchema;

const require = createRequire(new URL('../../tools/package.json', import.meta.url));
const YAML = require('yaml');
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const binary = process.argv[2];
const csvPath = process.env.LIQ_EURUSD_CSV || join(ROOT, '../shared/data/EURUSD_15M.csv');
const FUZZ_N = Number(process.env.LIQ_FUZZ_REQUESTS || 3000);

function fail(msg) {
  console.error(`outside: ${msg}`);
  process.exit(1);
}

function startService() {
  if (!binary) fail('usage: node outside.mjs BUILD/liquidityd');
  if (!process.env.LIQ_DATABASE_URL) fail('LIQ_DATABASE_URL is not set');
  const child = spawn(binary, ['--config', join(ROOT, 'config/liquidityd.conf')], {
    env: { ...process.env, LIQ_PORT: '0', LIQ_LOG_LEVEL: 'info', LIQ_THREADS: '2',
      LIQ_MIN_LIQUIDITY_STRENGTH: '0.05', LIQ_MIN_RR_RATIO: '0.5' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log = [];
  return new Promise((res, rej) => {
    let buf = '';
    const timer = setTimeout(() => rej(new Error('liquidityd did not listen within 30 s')), 30000);
    child.stderr.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        log.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
      const m = log.join('\n').match(/"msg":"listening","port":(\d+)/);
      if (m && !child.base) {
        child.base = `http://127.0.0.1:${m[1]}`;
        clearTimeout(timer);
        res({ child, base: child.base, log });
      }
    });
    child.on('exit', (code) => rej(new Error(`liquidityd exited with ${code}: ${log.join('\n')}`)));
  });
}

async function http(base, method, path, body, type, headers = {}) {
  const r = await fetch(base + path, {
    method, body, headers: { ...(type ? { 'Content-Type': type } : {}), ...headers },
  });
  const text = await r.text();
  return { status: r.status, type: r.headers.get('content-type') || '', text };
}

/** The first 3,000 bars and one open trade; returns the fixture facts the hooks need. */
async function seed(base) {
  const lines = readFileSync(csvPath, 'utf8').split('\n');
  const csv = lines.slice(0, 3001).join('\n') + '\n';
  const r = await http(base, 'POST', '/bars?symbol=EURUSD&timeframe=M15', csv, 'text/csv');
  if (r.status !== 200) fail(`seeding bars: ${r.status} ${r.text}`);
  const sym = JSON.parse((await http(base, 'GET', '/symbols')).text).symbols[0];
  for (const side of ['BUY', 'SELL']) {
    const body = JSON.stringify({ symbol: 'EURUSD', side, entry: sym.last_close,
      trend_score: 0.9, regime_mode: 'NORMAL', regime_transition_strength: 0, qty: 100000 });
    const s = await http(base, 'POST', '/setups', body, 'application/json');
    if (s.status === 201) {
      const near = JSON.parse((await http(base, 'GET', '/zones/nearest?symbol=EURUSD')).text);
      return { close: sym.last_close, lastTs: sym.last_ts, trade: JSON.parse(s.text).trade_id,
        side, zone: (near.below || near.above).id };
    }
  }
  fail('seeding: no setup opened on the first 3,000 bars');
  return null;
}

function runDredd(base, fx) {
  const dredd = join(ROOT, 'tools/node_modules/.bin/dredd');
  const r = spawnSync(dredd, [join(ROOT, 'openapi.yaml'), base,
    '--hookfiles', join(ROOT, 'tests/contract/dredd_hooks.cjs'), '--loglevel', 'warning',
    '--reporter', 'dot', '--no-color'], {
    env: { ...process.env, LIQ_FIXTURE: JSON.stringify(fx) },
    encoding: 'utf8', timeout: 240000,
  });
  const out = `${r.stdout || ''}${r.stderr || ''}`;
  const summary = out.match(/complete: .*/g) || [];
  console.log(`  dredd: ${summary.join(' | ') || '(no summary)'}`);
  if (r.status !== 0) {
    console.error(out.split('\n').filter((l) => /fail|error/i.test(l)).slice(0, 40).join('\n'));
    return false;
  }
  return true;
}

// --- the fuzzer ------------------------------------------------------------------------

const spec = YAML.parse(readFileSync(join(ROOT, 'openapi.yaml'), 'utf8'));

function deref(node) {
  let n = node;
  while (n && n.$ref) {
    n = n.$ref.slice(2).split('/').reduce((o, k) => o[k.replace(/~1/g, '/')], spec);
  }
  return n;
}

/** OpenAPI 3.0 schema as draft-07 for ajv (oas_schema.cjs, shared with validate.mjs). */
function toJsonSchema(node) {
  return toDraft7(node);
}

const doc = toJsonSchema(structuredClone(spec));
doc.$id = 'openapi.json';
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc);
const ajvParams = new Ajv({ strict: false, coerceTypes: true });
addFormats(ajvParams);
const validators = new Map();
function validate(pointer, value) {
  if (!validators.has(pointer)) validators.set(pointer, ajv.compile({ $ref: `openapi.json#${pointer}` }));
  const v = validators.get(pointer);
  return v(value) ? null : ajv.errorsText(v.errors.slice(0, 3));
}

// A small deterministic generator (so a failure can be replayed with the same seed).
let rngState = Number(process.env.LIQ_FUZZ_SEED || 13);
function rnd() {
  rngState = (rngState * 1103515245 + 12345) % 2147483648;
  return rngState / 2147483648;
}
const pick = (a) => a[Math.floor(rnd() * a.length)];

const HOSTILE_STRINGS = ['', ' ', 'EURUSD', 'eurusd', 'x'.repeat(300), '%00', '\u0000', '\u00e9',
  '\ud83d\ude00', '"', '\\', '<script>', 'NaN', 'Infinity', '-1', '1e999', '0x10',
  '2099-12-31T00:00:00Z', '9999-12-31T23:59:59Z', '1970-01-01T00:00:00Z', 'null', '[]', '{}'];
const EXTREME_NUMBERS = [0, -0, -1, 1e308, -1e308, 5e-324, 1e-300, 1e300, 1e16,
  9007199254740993, 1.7976931348623157e308, 0.5, 1, 2, 1e12, 1e15, 4102444800000];

/** A value for schema s: mostly valid, sometimes at or beyond a bound, sometimes hostile. */
function gen(schema, depth = 0) {
  const s = deref(schema) || {};
  if (s.oneOf || s.anyOf) return gen(pick(s.oneOf || s.anyOf), depth);
  if (s.allOf) return gen(s.allOf[0], depth);
  const r = rnd();
  if (r < 0.08) return pick(HOSTILE_STRINGS);
  if (r < 0.14) return pick(EXTREME_NUMBERS);
  if (r < 0.16) return null;
  if (s.enum) return pick(s.enum);
  if (s.example !== undefined && r < 0.5) return s.example;
  switch (s.type) {
    case 'integer':
    case 'number': {
      const lo = s.minimum ?? -1e6;
      const hi = s.maximum ?? 1e6;
      const v = pick([lo, hi, lo - 1, hi + 1, lo + (hi - lo) * rnd(), 0.97 + rnd() * 0.1]);
      return s.type === 'integer' ? Math.round(v) : v;
    }
    case 'boolean': return rnd() < 0.5;
    case 'array': return depth > 2 ? [] : Array.from({ length: Math.floor(rnd() * 3) },
      () => gen(s.items || {}, depth + 1));
    case 'object': {
      if (depth > 2) return {};
      const o = {};
      for (const [k, v] of Object.entries(s.properties || {})) {
        if ((s.required || []).includes(k) ? rnd() < 0.95 : rnd() < 0.5) o[k] = gen(v, depth + 1);
      }
      if (rnd() < 0.05) o[pick(['bogus', 'x'.repeat(90) + '\u00e9', 'ts'])] = 1;
      return o;
    }
    default: return pick(['EURUSD', 'M15', '2022-10-10T00:00:00Z', 'abc']);
  }
}

/** 1 when the query value obeys the parameter's schema (strings coerced as a server would). */
function paramOk(p, value) {
  const schema = toJsonSchema(structuredClone(deref(p.schema || {})));
  const wrapped = { type: 'object', properties: { v: schema } };
  const v = ajvParams.compile(wrapped);
  return v({ v: value });
}

/** 1 when the JSON body obeys the operation's request schema. */
function bodyOk(mt, text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return false;
  }
  const v = ajv.compile(toJsonSchema(structuredClone(inlineRefs(mt.schema))));
  return v(value);
}

function inlineRefs(node, depth = 0) {
  if (depth > 40 || node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map((x) => inlineRefs(x, depth + 1));
  if (node.$ref) return inlineRefs(deref(node), depth + 1);
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k] = inlineRefs(v, depth + 1);
  return out;
}

function paramValue(p, fx) {
  const prm = deref(p);
  if (prm.name === 'symbol' && rnd() < 0.6) return 'EURUSD';
  if (prm.name === 'id' && prm.in === 'path') {
    return pick([String(fx.trade), '1', '0', '-1', 'abc', 'EURUSD:1', 'EURUSD:999999',
      '99999999999999999999']);
  }
  if (prm.name === 'file' && prm.in === 'path') return pick(['app.js', 'index.html', 'nope', '..%2f']);
  const v = gen(prm.schema || {});
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

function operations() {
  const ops = [];
  for (const [tpl, item] of Object.entries(spec.paths)) {
    for (const m of ['get', 'post', 'patch', 'delete']) {
      if (item[m]) ops.push({ tpl, method: m.toUpperCase(), op: item[m] });
    }
  }
  return ops;
}

function mediaOf(type) {
  return (type || '').split(';')[0].trim().toLowerCase();
}

/** null when the answer obeys the contract, else why not. */
function judge(o, res) {
  if (res.status >= 500 && res.status !== 503) return `status ${res.status}`;
  const responses = o.op.responses || {};
  const code = String(res.status);
  const key = code in responses ? code : (`${code[0]}XX` in responses ? `${code[0]}XX` : 'default');
  if (!(key in responses)) return `status ${res.status} is not documented`;
  let resp = responses[key];
  let base = `/paths/${o.tpl.replace(/~/g, '~0').replace(/\//g, '~1')}/${o.method.toLowerCase()}/responses/${key}`;
  if (resp.$ref) {
    base = resp.$ref.slice(1);
    resp = deref(resp);
  }
  const content = resp.content || {};
  if (Object.keys(content).length === 0) return null;
  const media = mediaOf(res.type);
  if (!(media in content)) return `media type '${media}' is not documented for ${res.status}`;
  if (media !== 'application/json') return null;
  let body;
  try {
    body = JSON.parse(res.text);
  } catch (e) {
    return `not JSON: ${res.text.slice(0, 80)}`;
  }
  if (!content[media].schema) return null;
  const why = validate(`${base}/content/application~1json/schema`, body);
  return why ? `schema: ${why}` : null;
}

async function fuzz(base, fx) {
  const ops = operations();
  const problems = new Map();
  let sent = 0;
  let n5xx = 0;
  let badJson = 0;
  let undocumented = 0;
  const statuses = new Map();
  for (let i = 0; i < FUZZ_N; i++) {
    const o = ops[i % ops.length];
    if (o.method === 'DELETE' && rnd() < 0.7) continue; /* keep the fixture mostly alive */
    const params = (o.op.parameters || []).map(deref);
    let path = o.tpl;
    const query = [];
    let outside = null; /* a query value the contract does not allow */
    for (const p of params) {
      if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(paramValue(p, fx)));
      else if (p.in === 'query' && (p.required || rnd() < 0.5)) {
        const v = paramValue(p, fx);
        if (!paramOk(p, v)) outside = `${p.name}=${v}`;
        query.push(`${encodeURIComponent(p.name)}=${encodeURIComponent(v)}`);
      }
    }
    if (o.method === 'DELETE' && !path.endsWith('/EURUSD')) path = '/symbols/FUZZ';
    if (o.method === 'DELETE' && path.endsWith('/EURUSD')) path = '/symbols/FUZZ';
    if (rnd() < 0.03) query.push('bogus_param=1');
    const url = path + (query.length ? `?${query.join('&')}` : '');
    let body;
    let type;
    const rb = o.op.requestBody && deref(o.op.requestBody);
    if (rb) {
      type = pick(Object.keys(rb.content));
      const mt = rb.content[type];
      if (type === 'application/json') {
        body = rnd() < 0.05 ? '{"truncated":' : JSON.stringify(gen(mt.schema));
      } else {
        body = rnd() < 0.5 && mt.example ? mt.example : String(gen({ type: 'string' }));
      }
    }
    let res;
    try {
      res = await http(base, o.method, url, body, type);
    } catch (e) {
      problems.set(`transport: ${e.message}`, `${o.method} ${url}`);
      continue;
    }
    sent++;
    statuses.set(res.status, (statuses.get(res.status) || 0) + 1);
    let why = judge(o, res);
    if (!why && res.status === 400) {
      /* the route's table (api/router.c) must take every parameter the contract documents */
      const named = ((JSON.parse(res.text).error || {}).details || {}).parameter;
      /* "Files only" parameters are documented as refused with a JSON body */
      const documented = params.some((p) => p.in === 'query' && p.name === named &&
        !(type === 'application/json' && /files only/i.test(p.description || '')));
      if (JSON.parse(res.text).error.code === 'unknown_parameter' && documented) {
        why = `documented query parameter '${named}' refused as unknown`;
      }
    }
    const accepted = res.status >= 200 && res.status < 300;
    if (!why && accepted && outside) why = `accepted ${outside}, outside its schema`;
    if (!why && accepted && type === 'application/json' && !bodyOk(rb.content[type], body)) {
      why = 'accepted a body outside its schema';
    }
    if (why) {
      if (why.startsWith('status 5')) n5xx++;
      else if (why.startsWith('not JSON')) badJson++;
      else if (why.includes('not documented')) undocumented++;
      const k = `${o.method} ${o.tpl}: ${why}`;
      if (!problems.has(k)) problems.set(k, `${o.method} ${url} ${body ? body.slice(0, 120) : ''} -> ${res.status} ${res.text.slice(0, 160)}`);
    }
  }
  console.log(`  fuzzer: ${sent} requests, ${n5xx} 5xx, ${badJson} invalid JSON bodies, ` +
    `${undocumented} undocumented statuses/media, ${problems.size} distinct problems`);
  console.log(`  fuzzer statuses: ${[...statuses].sort().map(([k, v]) => `${k}:${v}`).join(' ')}`);
  for (const [k, ex] of [...problems].slice(0, 30)) console.error(`    - ${k}\n        e.g. ${ex}`);
  return problems.size === 0;
}

function logIsJson(log) {
  let bad = 0;
  for (const line of log) {
    if (!line.trim()) continue;
    try {
      JSON.parse(line);
    } catch (e) {
      if (bad++ < 5) console.error(`  log line is not JSON: ${line.slice(0, 160)}`);
    }
  }
  console.log(`  log: ${log.length} lines, ${bad} not JSON`);
  return bad === 0;
}

const { child, base, log } = await startService();
let ok = false;
try {
  const fx = await seed(base);
  const dreddOk = runDredd(base, fx);
  const fuzzOk = await fuzz(base, fx);
  ok = dreddOk && fuzzOk;
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => { child.on('exit', r); setTimeout(r, 10000); });
}
ok = logIsJson(log) && ok;
process.exit(ok ? 0 : 1);
