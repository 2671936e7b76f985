// tests/contract/validate.mjs - every response the API tests received, checked against
// openapi.yaml.
//
// The harness (tests/support/harness.c) appends one JSON line per HTTP exchange to the file
// named by LIQ_CONTRACT_LOG: {"method","path","query","status","content_type","body"}.
// Each line is matched to its operation (path template + method) and its documented status,
// and the body is validated with ajv against the schema of that response's media type.
// Anything the contract does not describe fails: an undocumented route, method, status,
// media type, or a field that a schema with additionalProperties:false does not list.
//
// The router's own answers need no operation: a path no route has gets 404, a known path
// with another method 405; both must still be the one Error shape.
//
//   node tests/contract/validate.mjs openapi.yaml contract.log [--quiet]
//
// OpenAPI 3.0 schemas are not quite JSON Schema: before compiling, `nullable: true` becomes
// anyOf [null, schema], the boolean exclusiveMinimum/Maximum of draft 4 becomes the number
// of draft 7, and `example` is dropped.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import oasSchema from './oas_schema.cjs';

const { toDraft7 } = oasSchema;

const require = createRequire(new URL('../../tools/package.json', import.meta.url));
const Ajv = require('ajv');
const addFormats = require('ajv-formats');
const YAML = require('yaml');

const [specPath, logPath] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const quiet = process.argv.includes('--quiet');
if (!specPath || !logPath) {
  console.error('usage: node validate.mjs openapi.yaml contract.log');
  process.exit(2);
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The OpenAPI 3.0 schema dialect as draft-07 JSON Schema (oas_schema.cjs). */
function toJsonSchema(node) {
  return toDraft7(node);
}

function pointerEscape(s) {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function resolveRef(doc, ref) {
  if (!ref.startsWith('#/')) throw new Error(`only local $ref supported: ${ref}`);
  let node = doc;
  for (const raw of ref.slice(2).split('/')) {
    node = node[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (node === undefined) throw new Error(`dangling $ref ${ref}`);
  }
  return node;
}

const raw = YAML.parse(readFileSync(specPath, 'utf8'));
const doc = toJsonSchema(structuredClone(raw));
doc.$id = 'openapi.json';

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
ajv.addSchema(doc);

// Path templates, literal segments preferred over {params} (as the router's table does).
const templates = Object.keys(raw.paths || {}).map((tpl) => ({
  tpl,
  params: (tpl.match(/\{[^}]+\}/g) || []).length,
  re: new RegExp('^' + tpl.replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    .replace(/\\?\{[^}]+\\?\}/g, '[^/]+') + '$'),
})).sort((a, b) => a.params - b.params);

const validators = new Map();
function validatorFor(pointer) {
  if (!validators.has(pointer)) {
    validators.set(pointer, ajv.compile({ $ref: `openapi.json#${pointer}` }));
  }
  return validators.get(pointer);
}

const errorPointer = '/components/schemas/Error';

/** Returns null when the record obeys the contract, else a reason. Counts coverage. */
const seen = new Map();
function check(rec) {
  const match = templates.find((t) => t.re.test(rec.path));
  let pointerBase;
  let responses;
  if (!match) {
    if (rec.status !== 404) return `no documented path matches ${rec.path}`;
    return validateBody(rec, { [errorPointer]: true }, 'router 404');
  }
  const item = raw.paths[match.tpl];
  const method = rec.method.toLowerCase();
  const op = HTTP_METHODS.includes(method) ? item[method] : undefined;
  if (!op) {
    if (rec.status !== 405) return `${rec.method} ${match.tpl} is not documented`;
    return validateBody(rec, { [errorPointer]: true }, 'router 405');
  }
  const key = `${rec.method} ${match.tpl}`;
  seen.set(key, (seen.get(key) || new Set()).add(rec.status));
  responses = op.responses || {};
  let code = String(rec.status);
  if (!(code in responses)) code = `${code[0]}XX` in responses ? `${code[0]}XX` : 'default';
  if (!(code in responses)) return `${key}: status ${rec.status} is not documented`;
  pointerBase = `/paths/${pointerEscape(match.tpl)}/${method}/responses/${code}`;
  let resp = responses[code];
  if (resp.$ref) {
    pointerBase = resp.$ref.slice(1);
    resp = resolveRef(raw, resp.$ref);
  }
  const content = resp.content || {};
  const media = (rec.content_type || '').split(';')[0].trim().toLowerCase();
  if (Object.keys(content).length === 0) {
    return rec.body ? `${key} ${rec.status}: a body was sent but none is documented` : null;
  }
  const mt = Object.keys(content).find((m) => m.toLowerCase() === media);
  if (!mt) {
    return `${key} ${rec.status}: media type '${media}' is not documented ` +
      `(documented: ${Object.keys(content).join(', ')})`;
  }
  if (!content[mt].schema) return null;
  const pointer = `${pointerBase}/content/${pointerEscape(mt)}/schema`;
  return validateBody(rec, { [pointer]: true }, key);
}

function validateBody(rec, pointers, what) {
  const [pointer] = Object.keys(pointers);
  const media = (rec.content_type || '').split(';')[0].trim().toLowerCase();
  let value = rec.body;
  if (media === 'application/json' || media.endsWith('+json')) {
    try {
      value = JSON.parse(rec.body);
    } catch (e) {
      return `${what} ${rec.status}: the body is not JSON (${e.message})`;
    }
  } else if (pointer === errorPointer) {
    return `${what} ${rec.status}: the error body is '${media}', not application/json`;
  }
  const validate = validatorFor(pointer);
  if (validate(value)) return null;
  const errs = validate.errors.slice(0, 4).map((e) => {
    const extra = e.params && e.params.additionalProperty
      ? ` '${e.params.additionalProperty}'` : '';
    return `${e.instancePath || '/'} ${e.message}${extra}`;
  });
  return `${what} ${rec.status}: ${errs.join('; ')}`;
}

const lines = readFileSync(logPath, 'utf8').split('\n').filter((l) => l.trim());
const failures = new Map();
let ok = 0;
for (const [i, line] of lines.entries()) {
  let rec;
  try {
    rec = JSON.parse(line);
  } catch (e) {
    failures.set(`line ${i + 1} is not JSON`, [line.slice(0, 120)]);
    continue;
  }
  const why = check(rec);
  if (why === null) {
    ok++;
    continue;
  }
  const ex = `${rec.method} ${rec.path}${rec.query ? '?' + rec.query : ''} -> ${rec.status}: ` +
    `${String(rec.body).slice(0, 160)}`;
  if (!failures.has(why)) failures.set(why, []);
  failures.get(why).push(ex);
}

const documented = [];
for (const [tpl, item] of Object.entries(raw.paths || {})) {
  for (const m of HTTP_METHODS) if (item[m]) documented.push(`${m.toUpperCase()} ${tpl}`);
}
if (!quiet) {
  console.log(`contract: ${lines.length} exchanges, ${ok} conform`);
  for (const op of documented) {
    const st = seen.get(op);
    console.log(`  ${op.padEnd(34)} ${st ? [...st].sort().join(' ') : '(not exercised)'}`);
  }
}
if (lines.length === 0) {
  console.error('contract: the log is empty: did the API tests run with LIQ_CONTRACT_LOG?');
  process.exit(1);
}
if (failures.size > 0) {
  console.error(`contract: ${lines.length - ok} exchange(s) break openapi.yaml:`);
  for (const [why, examples] of failures) {
    console.error(`  - ${why}  [${examples.length}x]`);
    for (const ex of examples.slice(0, 2)) console.error(`      e.g. ${ex}`);
  }
  process.exit(1);
}
