// tests/contract/dredd_hooks.cjs - Dredd's hooks for tests/contract/outside.mjs.
//
// 1. Which transactions run: Dredd makes one per documented status and media type; only
//    the success of each operation can be provoked by its example, so every non-2xx
//    transaction is skipped (the fuzzer and the API tests provoke those), and so is a 2xx
//    that is not this example's (201 of POST /setups when the example is a dry run...).
// 2. The fixture the examples cannot know (LIQ_FIXTURE from outside.mjs: the open trade's
//    id, the seeded symbol's last close and bar time) goes into the requests that need it;
//    each keyed write gets its own Idempotency-Key.
// 3. The body is checked against the operation's schema from openapi.yaml, converted to
//    JSON Schema draft 7 as tests/contract/validate.mjs does (nullable -> anyOf null).
//    Dredd's OpenAPI 3 adapter instead infers the expected body from a generated example,
//    which makes every optional property it generated required (apiaryio/dredd#1430).
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');
const hooks = require('hooks');
const { toDraft7 } = require('./oas_schema.cjs');

const toolsRequire = createRequire(path.join(__dirname, '../../tools/package.json'));
const YAML = toolsRequire('yaml');

const ROOT = path.join(__dirname, '../..');
const spec = YAML.parse(fs.readFileSync(path.join(ROOT, 'openapi.yaml'), 'utf8'));
const fx = JSON.parse(process.env.LIQ_FIXTURE || '{}');

function deref(node) {
  let n = node;
  while (n && n.$ref) n = n.$ref.slice(2).split('/').reduce((o, k) => o[k.replace(/~1/g, '/')], spec);
  return n;
}

/** The schema with every $ref inlined, in draft 7 terms. */
function draft7(node) {
  return toDraft7(node, deref);
}

const templates = Object.keys(spec.paths).map((tpl) => ({
  tpl,
  params: (tpl.match(/\{[^}]+\}/g) || []).length,
  re: new RegExp(`^${tpl.replace(/\{[^}]+\}/g, '[^/]+')}$`),
})).sort((a, b) => a.params - b.params);

function operationOf(t) {
  const p = t.request.uri.split('?')[0];
  const m = templates.find((x) => x.re.test(p));
  return m ? { tpl: m.tpl, op: spec.paths[m.tpl][t.request.method.toLowerCase()] } : {};
}

function setQuery(t, drop) {
  const [p, q] = t.request.uri.split('?');
  const kept = (q || '').split('&').filter((kv) => kv && !drop.includes(kv.split('=')[0]));
  t.request.uri = kept.length ? `${p}?${kept.join('&')}` : p;
  t.fullPath = t.request.uri;
}

let keyed = 0;
const FILE_OF = { 'text/javascript': 'app.js', 'text/css': 'style.css', 'text/html': 'index.html' };

hooks.beforeEach((t, done) => {
  const status = Number(t.expected.statusCode);
  const media = (t.expected.headers['Content-Type'] || '').split(';')[0].trim();
  const { tpl, op } = operationOf(t);
  if (!op || status < 200 || status >= 300) {
    t.skip = true;
    return done();
  }
  if (t.request.headers['Idempotency-Key']) t.request.headers['Idempotency-Key'] = `dredd-${++keyed}`;
  delete t.request.headers['If-None-Match'];
  if (tpl === '/setups') {
    const body = JSON.parse(t.request.body);
    Object.assign(body, { entry: fx.close, side: fx.side, trend_score: 0.9 });
    t.request.body = JSON.stringify(body);
    if (status === 201) setQuery(t, ['dry_run']);
  }
  if (tpl.startsWith('/trades/{id}')) {
    t.request.uri = t.request.uri.replace(/^\/trades\/[^/?]+/, `/trades/${fx.trade}`);
    t.fullPath = t.request.uri;
  }
  if (tpl === '/trades/{id}/trail') {
    t.request.body = JSON.stringify({ price: fx.close, high: fx.close, low: fx.close, ts: fx.lastTs });
  }
  if (tpl === '/trades/{id}/close') t.request.body = JSON.stringify({ price: fx.close });
  if (tpl === '/bars' && t.request.method === 'POST') {
    /* a JSON body takes no query parameter; a file's times in the example are UTC */
    setQuery(t, media && t.request.headers['Content-Type'] === 'application/json'
      ? ['symbol', 'timeframe', 'tz', 'inconsistent'] : ['tz']);
    if (t.request.headers['Content-Type'] === 'application/json') t.request.uri = '/bars';
  }
  if (tpl === '/bars' && t.request.method === 'GET') setQuery(t, ['cursor']);
  if (tpl === '/zones/{id}') {
    t.request.uri = `/zones/${fx.zone}`; /* a zone that exists */
    t.fullPath = t.request.uri;
  }
  if (tpl === '/dashboard/{file}') {
    t.request.uri = `/dashboard/${FILE_OF[media] || 'app.js'}`;
    t.fullPath = t.request.uri;
  }
  /* the media type is compared without its parameters ("text/plain; version=0.0.4" is
   * text/plain), after the exchange; Dredd would compare the whole header text */
  t.mediaType = media;
  delete t.expected.headers['Content-Type'];
  const resp = deref((op.responses || {})[String(status)]) || {};
  const mt = (resp.content || {})[media];
  if (mt && mt.schema && media === 'application/json') {
    t.expected.bodySchema = JSON.stringify(draft7(mt.schema));
    delete t.expected.body;
  } else if (mt) {
    delete t.expected.body; /* text: any body of the documented media type */
  }
  return done();
});

/* DELETE /symbols/{symbol}: the example's symbol exists when it is deleted */
hooks.before('/symbols/{symbol} > Remove everything of a symbol (to redo a wrong upload). > 200 > application/json', (t, done) => {
  const bar = JSON.stringify({ symbol: 'DREDD', timeframe: 'M15', ts: '2022-10-10T00:00:00Z',
    open: 1, high: 1, low: 1, close: 1, volume: 1 });
  fetch(`${t.protocol}//${t.host}:${t.port}/bars`, {
    method: 'POST', body: bar, headers: { 'Content-Type': 'application/json' },
  }).then(() => done(), (e) => { t.fail = `seeding DREDD: ${e.message}`; done(); });
});

hooks.afterEach((t, done) => {
  const got = ((t.real && t.real.headers && (t.real.headers['content-type'] ||
    t.real.headers['Content-Type'])) || '').split(';')[0].trim().toLowerCase();
  if (!t.skip && t.mediaType && got !== t.mediaType.toLowerCase()) {
    t.fail = `Content-Type is '${got}', the contract says '${t.mediaType}'`;
  }
  done();
});
