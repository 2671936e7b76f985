// readme.mjs - runs the README's command blocks against a fresh service and compares the
// answers it shows, so the README cannot drift from the code.
//
//   node tests/readme/readme.mjs README.md BUILD_DIR
//
// A ```sh block runs when an HTML comment right before it says so (invisible on GitHub):
//   <!-- readme-test: fresh [VAR=value ...] -->  a new database and a new service with that
//                                                 environment (config/liquidityd.conf + env)
//   <!-- readme-test: same -->                    the service of the previous block
// Other blocks (scripts/dev, docker) are not run. Inside a block every command runs with
// bash in a scratch directory where ../shared/data is the shared data; `localhost:8080` is
// the service's address and `liqctl` the built one. A command followed by `# -> ANSWER`
// (continued on `#    ...` lines, joined with one space) must print that answer (and may
// then exit non-zero):
//   - JSON: parsed and compared field by field, numbers by value; `…` elides: `[…]` or `{…}`
//     any value, `…` as a value any value, `{…, "a":1}` or `{"a":1, …}` other keys allowed,
//     `[x, …]` more elements allowed; text after the JSON value is a comment.
//   - text (liqctl: its stdout then stderr, continued on `# ...` lines): line by line, `…`
//     matching anything within a line, a last line `…` alone any further lines.
// A command without an answer must exit 0. Every failure names the README line.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [readmePath, buildArg] = process.argv.slice(2);
const buildDir = buildArg ? path.resolve(buildArg) : buildArg;
if (!readmePath || !buildDir) {
  console.error('usage: node readme.mjs README.md BUILD_DIR');
  process.exit(2);
}
const ROOT = path.resolve(path.dirname(readmePath));
const ELL = '\u2026';

// ---------- README -> blocks -> steps ----------

function blocks(text) {
  const lines = text.split('\n');
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```sh') continue;
    let j = i - 1;
    while (j >= 0 && lines[j].trim() === '') j--;
    const m = j >= 0 ? /^<!--\s*readme-test:\s*(.*?)\s*-->$/.exec(lines[j].trim()) : null;
    const body = [];
    let k = i + 1;
    for (; k < lines.length && lines[k].trim() !== '```'; k++) body.push({ text: lines[k], line: k + 1 });
    if (m) {
      const words = m[1].split(/\s+/).filter(Boolean);
      out.push({ mode: words[0], env: words.slice(1), body, line: i + 1 });
    }
    i = k;
  }
  return out;
}

// 1 while a command's text is unfinished: an open single/double quote or a trailing '\'.
function unfinished(cmd) {
  let q = null;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i];
    if (q) {
      if (c === q) q = null;
      else if (c === '\\' && q === '"') i++;
    } else if (c === "'" || c === '"') q = c;
    else if (c === '\\' && i === cmd.length - 1) return true;
    else if (c === '#' && (i === 0 || /\s/.test(cmd[i - 1]))) break;
  }
  return q !== null;
}

function steps(body) {
  const out = [];
  let cur = null;
  for (let i = 0; i < body.length; i++) {
    const { text, line } = body[i];
    if (cur) {
      cur.cmd += '\n' + text;
      if (!unfinished(cur.cmd)) { out.push(cur); cur = null; }
      continue;
    }
    if (text.startsWith('# -> ')) {
      let answer = text.slice(5);
      while (i + 1 < body.length && /^#\s{3,}\S/.test(body[i + 1].text)) {
        i++;
        answer += ' ' + body[i].text.replace(/^#\s+/, '');
      }
      if (out.length === 0) throw new Error(`README:${line}: an answer without a command`);
      out[out.length - 1].answer = { text: answer, line };
      // more `# ` lines right after an answer that is text (liqctl) continue it
      while (i + 1 < body.length && /^# \S/.test(body[i + 1].text) && out[out.length - 1].textual) {
        i++;
        out[out.length - 1].answer.text += '\n' + body[i].text.slice(2);
      }
      continue;
    }
    if (text.trim() === '' || text.trimStart().startsWith('#')) continue;
    cur = { cmd: text, line, textual: /^\s*liqctl\b/.test(text) };
    if (!unfinished(cur.cmd)) { out.push(cur); cur = null; }
  }
  if (cur) throw new Error(`README:${cur.line}: the command never ends`);
  return out;
}

// ---------- expected JSON with … ----------

const ANY = Symbol('any');
const MORE = Symbol('more');

// The first JSON value of s (strings respected); the rest is a comment.
function firstValue(s) {
  let depth = 0, q = false;
  const start = s.search(/[[{"\d\-tfn…]/);
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === '\\') i++;
      else if (c === '"') q = false;
      continue;
    }
    if (c === '"') q = true;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') { if (--depth === 0) return s.slice(start, i + 1); }
  }
  return s.slice(start).trim();
}

function parsePattern(text) {
  let src = firstValue(text);
  // mark elisions with sentinels JSON can carry, outside strings only
  let out = '', q = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (q) {
      out += c;
      if (c === '\\') { out += src[++i]; continue; }
      if (c === '"') q = false;
      continue;
    }
    if (c === '"') { q = true; out += c; continue; }
    if (c === ELL) {
      const prev = out.trimEnd().slice(-1);
      const next = src.slice(i + 1).trimStart()[0];
      if ((prev === '{' || prev === ',') && (next === '}' || next === ',') && inObject(out)) {
        out += '"__more__":0';
      } else if ((prev === '[' || prev === ',') && (next === ']' || next === ',') && !inObject(out)
                 && !(prev === '[' && next === ']')) {
        out += '"__more__"';
      } else {
        out += '"__any__"';
      }
      continue;
    }
    out += c;
  }
  return convert(JSON.parse(out));
}

// 1 when the innermost open bracket of s is '{'.
function inObject(s) {
  let q = false;
  const stack = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) { if (c === '\\') i++; else if (c === '"') q = false; continue; }
    if (c === '"') q = true;
    else if (c === '{' || c === '[') stack.push(c);
    else if (c === '}' || c === ']') stack.pop();
  }
  return stack[stack.length - 1] === '{';
}

function convert(v) {
  if (v === '__any__') return ANY;
  if (Array.isArray(v)) {
    if (v.length === 1 && v[0] === '__any__') return ANY;
    const more = v.includes('__more__');
    const items = v.filter((x) => x !== '__more__').map(convert);
    if (more) items[MORE] = true;
    return items;
  }
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 1 && v[keys[0]] === '__any__' && keys[0] === '__any__') return ANY;
    const o = {};
    for (const k of keys) if (k !== '__more__') o[k] = convert(v[k]);
    if ('__more__' in v) o[MORE] = true;
    return o;
  }
  return v;
}

// '' when actual matches the pattern, else where and why.
function match(pat, act, at) {
  if (pat === ANY) return '';
  if (Array.isArray(pat)) {
    if (!Array.isArray(act)) return `${at}: expected an array, got ${JSON.stringify(act)}`;
    if (pat[MORE] ? act.length < pat.length : act.length !== pat.length)
      return `${at}: ${act.length} elements, README shows ${pat.length}${pat[MORE] ? '+' : ''}`;
    for (let i = 0; i < pat.length; i++) {
      const e = match(pat[i], act[i], `${at}[${i}]`);
      if (e) return e;
    }
    return '';
  }
  if (pat && typeof pat === 'object') {
    if (!act || typeof act !== 'object' || Array.isArray(act))
      return `${at}: expected an object, got ${JSON.stringify(act)}`;
    for (const k of Object.keys(pat)) {
      if (!(k in act)) return `${at}.${k}: missing`;
      const e = match(pat[k], act[k], `${at}.${k}`);
      if (e) return e;
    }
    if (!pat[MORE]) {
      const extra = Object.keys(act).filter((k) => !(k in pat));
      if (extra.length) return `${at}: keys not shown in the README: ${extra.join(', ')}`;
    }
    return '';
  }
  return Object.is(pat, act) || pat === act ? '' : `${at}: ${JSON.stringify(act)}, README shows ${JSON.stringify(pat)}`;
}

function matchText(expected, actual) {
  const want = expected.split('\n');
  let got = actual.replace(/\n$/, '').split('\n');
  if (want[want.length - 1] === ELL && got.length >= want.length - 1) { // "…" alone: any more lines
    want.pop();
    got = got.slice(0, want.length);
  }
  if (want.length !== got.length) return `${got.length} lines, README shows ${want.length}:\n${actual}`;
  for (let i = 0; i < want.length; i++) {
    const re = new RegExp('^' + want[i].split(ELL).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*') + '$');
    if (!re.test(got[i])) return `line ${i + 1}: '${got[i]}', README shows '${want[i]}'`;
  }
  return '';
}

// ---------- the service ----------

const dbBase = process.env.LIQ_DATABASE_URL;
if (!dbBase) {
  console.error('readme: LIQ_DATABASE_URL (the private PostgreSQL of scripts/dev) is not set');
  process.exit(2);
}

function freshDatabase(name) {
  const r = spawnSync('psql', [dbBase, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`,
    '-c', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
  return dbBase.replace('@/postgres?', `@/${name}?`);
}

async function startService(env, n) {
  const url = freshDatabase(`liq_readme_${n}`);
  const log = path.join(os.tmpdir(), `liq-readme-${process.pid}-${n}.log`);
  const fd = fs.openSync(log, 'w');
  const extra = Object.fromEntries(env.map((kv) => kv.split(/=(.*)/s).slice(0, 2)));
  const child = spawn(path.join(buildDir, 'liquidityd'),
    ['--config', path.join(ROOT, 'config/liquidityd.conf')],
    { env: { ...process.env, ...extra, LIQ_PORT: '0', LIQ_DATABASE_URL: url },
      stdio: ['ignore', 'ignore', fd] });
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    const m = /"msg":"listening","port":(\d+)/.exec(fs.readFileSync(log, 'utf8'));
    if (m) return { child, port: Number(m[1]), log };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`liquidityd did not start, see ${log}`);
}

async function stopService(s) {
  if (!s) return;
  s.child.kill('SIGTERM');
  await new Promise((r) => (s.child.exitCode !== null ? r() : s.child.on('exit', r)));
}

// ---------- run ----------

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'liq-readme-'));
fs.mkdirSync(path.join(scratch, 'work'));
fs.symlinkSync(path.resolve(ROOT, '..', 'shared'), path.join(scratch, 'shared'));
const work = path.join(scratch, 'work');

let failures = 0, checked = 0, ran = 0, service = null, n = 0;
try {
  for (const b of blocks(fs.readFileSync(readmePath, 'utf8'))) {
    if (b.mode === 'fresh') {
      await stopService(service);
      service = await startService(b.env, n++);
    } else if (b.mode !== 'same' || !service) {
      throw new Error(`README:${b.line}: readme-test '${b.mode}' (fresh or same after fresh)`);
    }
    for (const st of steps(b.body)) {
      const cmd = st.cmd.replaceAll('localhost:8080', `127.0.0.1:${service.port}`);
      const r = spawnSync('bash', ['-c', cmd], {
        cwd: work, encoding: 'utf8', timeout: 300000,
        env: { ...process.env, LIQ_URL: `http://127.0.0.1:${service.port}`,
               PATH: `${path.join(buildDir, 'cli')}:${process.env.PATH}` },
      });
      ran++;
      let why = '';
      if (st.answer) {
        checked++;
        if (st.textual) { // what a terminal shows: the output, then any message
          why = matchText(st.answer.text, r.stdout + r.stderr);
        } else {
          let actual;
          try { actual = JSON.parse(r.stdout); } catch { why = `not JSON: ${r.stdout.slice(0, 300)}`; }
          if (!why) {
            try { why = match(parsePattern(st.answer.text), actual, '$'); }
            catch (e) { why = `the README's answer does not parse: ${e.message}`; }
          }
        }
        if (why) why = `README:${st.answer.line}: ${why}`;
      } else if (r.status !== 0) {
        why = `README:${st.line}: exit ${r.status}: ${r.stderr.slice(0, 300)}`;
      }
      if (why) {
        failures++;
        console.error(`FAIL ${why}\n  command (README:${st.line}): ${st.cmd.split('\n')[0]}`);
      }
    }
  }
} catch (e) {
  failures++;
  console.error(`FAIL ${e.message}`);
} finally {
  await stopService(service);
  fs.rmSync(scratch, { recursive: true, force: true });
}
console.log(`readme: ${ran} commands run, ${checked} answers compared, ${failures} failure(s)`);
process.exit(failures ? 1 : 0);
