// patroni.mjs - liquidityd on a PostgreSQL 15 primary + one streaming standby managed by
// Patroni (Debian's `patroni`, DCS: Debian's `etcd-server`, v3 API), synchronous_mode on,
// everything on loopback (issue 23; docs/operations.md, "High availability").
//
//   node tests/scaling/patroni.mjs BUILD/liquidityd DATA_DIR
//
// Run as root (scripts/dev test): etcd, Patroni and PostgreSQL run as `postgres` in a temp
// dir it owns. The service uses the multi-host URL
// postgresql://127.0.0.1:P1,127.0.0.1:P2/liq_ha?target_session_attrs=read-write.
//
// 1. Synchronous mode, three failovers in a row: several clients stream bars (each batch with
//    an Idempotency-Key), setups (keyed) and trails for several symbols; the primary's
//    postgres gets kill -9 mid-stream; Patroni fails over (primary_start_timeout 0); the
//    streams go on; the old primary rejoins as the synchronous standby before the next kill.
//    Printed: kill -> first acknowledged write (of a request sent after the kill), per
//    failover. Checked: every write acknowledged 2xx (bars, trades, stop moves, idempotency
//    replies) is on the final primary; nothing applied twice; the zones served equal a fresh
//    replay of the stored bars.
// 2. The same failover with the standby asynchronous: printed, how many acknowledged bars
//    went missing on the promoted node.
// 3. Strict synchronous mode with the standby gone (every COMMIT waits): writes are answered
//    503 within database_timeout_ms + 1 s, reads from memory keep working, SIGTERM exits 0
//    within the drain time.
//
// Client rules as in haproxy.mjs: a 0/421/503 is retried after Retry-After until a deadline;
// bars and trails are idempotent by ts, setups and bar batches carry an Idempotency-Key.
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { checker, freePorts, http, readBars as readCsvBars, spawnTailed } from './net.mjs';

const [BIN, DATA] = process.argv.slice(2);
if (!BIN || !DATA) {
    console.error('usage: node patroni.mjs BUILD/liquidityd DATA_DIR');
    process.exit(2);
}
const PGBIN = '/usr/lib/postgresql/15/bin';
const SYMBOLS = ['EURUSD', 'GBPUSD', 'AUDUSD', 'NZDUSD'];
const BATCH = 12, PACE_MS = 300, BARS = 5990; // each stream paced: the file lasts the test
const DB_TIMEOUT_MS = 3000;
const FAILOVER_GOAL_MS = 15000;
// the Patroni settings of docs/operations.md
const DCS = { ttl: 20, loop_wait: 2, retry_timeout: 5, primary_start_timeout: 0,
              maximum_lag_on_failover: 16777216, synchronous_mode: true,
              synchronous_mode_strict: false };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'liq-patroni-'));
const procs = new Map();
const { log, check, state } = checker('patroni');
const t0 = state.t0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cleanup() {
    for (const p of procs.values()) {
        try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ }
        try { p.kill('SIGKILL'); } catch { /* gone */ }
    }
    // the postmasters Patroni started (their own process groups)
    for (const n of [0, 1]) {
        try {
            const pid = Number(readFileSync(path.join(tmp, `pg${n}`, 'postmaster.pid'), 'utf8').split('\n')[0]);
            if (pid > 0) process.kill(pid, 'SIGKILL');
        } catch { /* not running */ }
    }
    procs.clear();
    rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanup(); process.exit(1); });


const RETRY = new Set([0, 421, 503]);
const seen = { 0: 0, 421: 0, 503: 0 };
let lastAckAt = 0;
// Retries until an answer that is not 0/421/503; r.start is when the answered try was sent.
async function callRetrying(base, method, p, opts = {}, deadlineMs = 90000) {
    const end = Date.now() + deadlineMs;
    for (;;) {
        const r = await http(base, method, p, opts);
        if (!RETRY.has(r.status)) {
            if (r.status < 300) lastAckAt = Math.max(lastAckAt, Date.now());
            return r;
        }
        seen[r.status]++;
        if (Date.now() > end) return r;
        await sleep(Math.min(500, Math.max(100, r.retryAfter * 1000)));
    }
}

// --- the cluster -------------------------------------------------------------------------
function asPostgres(cmd, args, name, logFile) {
    const p = spawnTailed(spawn, 'runuser', ['-u', 'postgres', '--', cmd, ...args],
                          { stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: tmp }, { keep: 4000,
        onData: (d) => {
            if (logFile) writeFileSync(logFile, d, { flag: 'a' });
            if (process.env.LIQ_PATRONI_VERBOSE) process.stderr.write(`${name}: ${d}`);
        } });
    procs.set(name, p);
    return p;
}

let ports;
const nodes = [0, 1].map((n) => ({ name: `pg${n}` }));
function patroniYaml(n) {
    const node = nodes[n];
    return `scope: liqha
namespace: /liq/
name: ${node.name}
log: {level: WARNING}
restapi: {listen: '127.0.0.1:${node.rest}', connect_address: '127.0.0.1:${node.rest}'}
etcd3: {hosts: '127.0.0.1:${ports.etcdClient}'}
bootstrap:
  dcs:
    ttl: ${DCS.ttl}
    loop_wait: ${DCS.loop_wait}
    retry_timeout: ${DCS.retry_timeout}
    primary_start_timeout: ${DCS.primary_start_timeout}
    maximum_lag_on_failover: ${DCS.maximum_lag_on_failover}
    synchronous_mode: ${DCS.synchronous_mode}
    synchronous_mode_strict: ${DCS.synchronous_mode_strict}
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters: {max_connections: 100, wal_keep_size: '256MB', fsync: 'off'}
  initdb: [{encoding: UTF8}, {locale: C}]
postgresql:
  listen: '127.0.0.1:${node.pg}'
  connect_address: '127.0.0.1:${node.pg}'
  data_dir: '${path.join(tmp, node.name)}'
  bin_dir: '${PGBIN}'
  pgpass: '${path.join(tmp, `${node.name}.pgpass`)}'
  authentication:
    superuser: {username: postgres, password: liq}
    replication: {username: replicator, password: liq}
    rewind: {username: postgres, password: liq}
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication replicator 127.0.0.1/32 trust
  parameters: {unix_socket_directories: '${tmp}'}
`;
}

function startEtcd() {
    const dir = path.join(tmp, 'etcd');
    asPostgres('etcd', ['--name', 'e0', '--data-dir', dir,
        '--listen-client-urls', `http://127.0.0.1:${ports.etcdClient}`,
        '--advertise-client-urls', `http://127.0.0.1:${ports.etcdClient}`,
        '--listen-peer-urls', `http://127.0.0.1:${ports.etcdPeer}`,
        '--initial-advertise-peer-urls', `http://127.0.0.1:${ports.etcdPeer}`,
        '--initial-cluster', `e0=http://127.0.0.1:${ports.etcdPeer}`,
        '--initial-cluster-state', 'new', '--log-level', 'warn'], 'etcd', path.join(tmp, 'etcd.log'));
}

function startPatroni(n) {
    const cfg = path.join(tmp, `${nodes[n].name}.yml`);
    writeFileSync(cfg, patroniYaml(n));
    execFileSync('chown', ['postgres:', cfg]);
    asPostgres('patroni', [cfg], `patroni${n}`, path.join(tmp, `patroni${n}.log`));
}

// Patroni's view: [{name, role, state, ...}] from any member that answers
async function members() {
    for (const n of nodes) {
        const r = await http(`http://127.0.0.1:${n.rest}`, 'GET', '/cluster', { timeout: 1000 });
        if (r.status === 200) return JSON.parse(r.text).members || [];
    }
    return [];
}
async function until(pred, what, ms) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        const v = await pred();
        if (v) return v;
        await sleep(200);
    }
    throw new Error(`not ${what} within ${ms} ms; members: ${JSON.stringify(await members())}`);
}
const leader = async () => (await members()).find((m) => m.role === 'leader' && m.state === 'running');
const syncStandby = async () => (await members()).find((m) => m.role === 'sync_standby' &&
                                                             ['running', 'streaming'].includes(m.state));
const replica = async () => (await members()).find((m) => m.role !== 'leader' &&
                                                        ['running', 'streaming'].includes(m.state));
const nodeOf = (m) => nodes.find((n) => n.name === m.name);

const adminUrl = (db) => `postgresql://postgres@127.0.0.1:${nodes[0].pg},127.0.0.1:${nodes[1].pg}/${db}` +
                         '?target_session_attrs=read-write&connect_timeout=2';
const psql = (sql, db = 'liq_ha') => execFileSync('psql', [adminUrl(db), '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', sql],
                                                   { encoding: 'utf8' }).trim();
const patch = (cfg) => http(`http://127.0.0.1:${nodes[0].rest}`, 'PATCH', '/config', { body: cfg })
    .then((r) => r.status === 200 ? r : http(`http://127.0.0.1:${nodes[1].rest}`, 'PATCH', '/config', { body: cfg }));

const postmasterOf = (node) => Number(readFileSync(path.join(tmp, node.name, 'postmaster.pid'), 'utf8').split('\n')[0]);
// kill -9 of the node's postgres: the postmaster and every backend at once (a postmaster
// killed alone leaves its backends running on as orphans until they notice)
function killPostmaster(node) {
    const pid = postmasterOf(node);
    const children = childrenOf(pid, '');
    process.kill(pid, 'SIGKILL');
    for (const c of children) {
        try { process.kill(c, 'SIGKILL'); } catch { /* gone */ }
    }
    return pid;
}
// The children of pid whose command line contains what ('walreceiver', ...).
function childrenOf(pid, what) {
    const out = [];
    for (const d of readdirSync('/proc')) {
        if (!/^\d+$/.test(d)) continue;
        try {
            const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
            const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
            if (ppid === pid && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(what)) out.push(Number(d));
        } catch { /* gone */ }
    }
    return out;
}
const walSenders = () => Number(psql('SELECT count(*) FROM pg_stat_replication', 'postgres'));

// --- the service -------------------------------------------------------------------------
function startService(name, port) {
    const env = { ...process.env, LIQ_PORT: String(port), LIQ_DATABASE_URL:
                  `postgresql://postgres@127.0.0.1:${nodes[0].pg},127.0.0.1:${nodes[1].pg}/liq_ha?target_session_attrs=read-write`,
                  LIQ_INSTANCE_NAME: name, LIQ_THREADS: '6', LIQ_RETRY_AFTER_S: '1',
                  LIQ_LOG_LEVEL: 'warn', LIQ_MIN_LIQUIDITY_STRENGTH: '0.1', LIQ_MIN_RR_RATIO: '0.5',
                  LIQ_DATABASE_TIMEOUT_MS: String(DB_TIMEOUT_MS), LIQ_DATABASE_CONNECT_TIMEOUT_MS: '1000',
                  LIQ_LEASE_TTL_MS: '3000', LIQ_EXIT_METHOD: 'zones' /* stop moves to follow */ };
    const p = spawnTailed(spawn, BIN, [], { env, stdio: ['ignore', 'ignore', 'pipe'] }, {
        onData: (d) => { if (process.env.LIQ_PATRONI_VERBOSE) process.stderr.write(`${name}: ${d}`); } });
    procs.set(name, p);
    return { name, port, base: `http://127.0.0.1:${port}`, proc: p };
}
async function waitHealthy(svc, ms = 60000) {
    await until(async () => {
        if (svc.proc.exited) throw new Error(`${svc.name} exited: ${svc.proc.tail}`);
        return (await http(svc.base, 'GET', '/health', { timeout: 2000 })).status === 200;
    }, `${svc.name} healthy`, ms);
}

const readBars = (offset, n) => readCsvBars(readFileSync, path.join(DATA, 'EURUSD_15M.csv'), offset, n);

// --- the streams -------------------------------------------------------------------------
const acked = {}; // symbol -> { ts: Set, keys: Set (bars), setupKeys: Map key -> trade id, trades: Map }
let killAt = 0, firstAfterKill = 0;
function noteAck(r) {
    if (killAt && !firstAfterKill && r.status < 300 && r.start >= killAt) firstAfterKill = Date.now();
}

// Streams sym from bar `from` while run.go(); returns the next bar index.
async function stream(svc, sym, bars, from, run, tag) {
    const a = acked[sym] ??= { ts: new Set(), keys: new Set(), setupKeys: new Map(), trades: new Map() };
    let b = from;
    while (run.go() && !state.failed) {
        if (!check(b + BATCH <= bars.length, `${sym}: the stream ran out of bars`)) break;
        const batch = bars.slice(b, b + BATCH);
        const key = `${sym}-${tag}-${b}`;
        const r = await callRetrying(svc.base, 'POST', '/bars', {
            body: batch.map((x) => ({ symbol: sym, timeframe: 'M15', ...x })),
            headers: { 'Idempotency-Key': key } });
        if (!check(r.status === 200, `${sym} bars ${b}: ${r.status} ${r.text.slice(0, 200)}`)) break;
        noteAck(r);
        for (const x of batch) a.ts.add(Date.parse(x.ts) / 1000);
        a.keys.add(key);
        b += BATCH;
        run.batches++;
        await sleep(PACE_MS);
        const last = batch[batch.length - 1];
        if (run.barsOnly) continue; // asynchronous runs: a lost trade would be trailed in vain
        if (b >= 300 && [...a.trades.values()].filter((t) => !t.closed).length < 2 && (b / BATCH) % 3 === 0) {
            const skey = `${sym}-${tag}-setup-${b}`;
            const s = await callRetrying(svc.base, 'POST', '/setups', {
                body: { symbol: sym, side: (b / BATCH) % 2 ? 'BUY' : 'SELL', entry: last.close,
                        trend_score: 0.7, regime_mode: 'NORMAL', regime_transition_strength: 0 },
                headers: { 'Idempotency-Key': skey } });
            if (s.status === 201) {
                noteAck(s);
                const id = JSON.parse(s.text).trade_id;
                a.setupKeys.set(skey, id);
                a.trades.set(id, { stops: [] });
            } else {
                check(s.status === 422, `${sym} setup: ${s.status} ${s.text.slice(0, 200)}`);
            }
        }
        const hi = Math.max(...batch.map((x) => x.high)), lo = Math.min(...batch.map((x) => x.low));
        for (const [id, t] of a.trades) {
            if (t.closed) continue;
            const u = await callRetrying(svc.base, 'PATCH', `/trades/${id}/trail`, {
                body: { price: last.close, high: hi, low: lo, ts: last.ts } });
            if (u.status === 409) { t.closed = true; continue; }
            if (!check(u.status === 200, `${sym} trail ${id}: ${u.status} ${u.text.slice(0, 200)}`)) continue;
            noteAck(u);
            const j = JSON.parse(u.text);
            for (const e of j.events || []) if (e.type === 'stop_moved') t.stops.push(e.price);
            t.lastStop = j.stop_price;
            if (j.status === 'closed') t.closed = true;
        }
    }
    return b;
}

const next = {}; // symbol -> next bar index
const series = {};
function runStreams(svc, tag, barsOnly = false) {
    const run = { on: true, batches: 0, barsOnly, go() { return this.on; } };
    run.done = Promise.all(SYMBOLS.map(async (s) => { next[s] = await stream(svc, s, series[s], next[s], run, tag); }));
    return run;
}
async function progressBy(run, n, ms = 120000) {
    const target = run.batches + n;
    await until(async () => run.batches >= target || state.failed, `${n} more batches`, ms);
}

// Kills the leader's postgres; returns { ms: kill -> first acknowledged write, from, to }.
async function failover(run, k) {
    const old = await until(leader, 'a leader', 30000);
    await until(syncStandby, 'a synchronous standby', 90000).catch(() => null);
    firstAfterKill = 0;
    killAt = Date.now();
    const pid = killPostmaster(nodeOf(old));
    log(`failover ${k}: kill -9 postgres (pid ${pid}) of the primary ${old.name}`);
    const fresh = await until(async () => { const l = await leader(); return l && l.name !== old.name && l; },
                              'a new leader', 60000);
    const promoted = Date.now() - killAt;
    await until(async () => firstAfterKill || state.failed, 'an acknowledged write after the kill', 60000);
    const ms = firstAfterKill - killAt;
    killAt = 0;
    log(`failover ${k}: ${fresh.name} promoted after ${promoted} ms; first acknowledged write ${ms} ms after the kill`);
    await progressBy(run, SYMBOLS.length * 2);
    return { ms, from: old.name, to: fresh.name };
}

async function untilRejoined(name, sync, ms = 120000) {
    return until(async () => (await members()).find((m) => m.name === name && m.role !== 'leader' &&
        ['running', 'streaming'].includes(m.state) && (!sync || m.role === 'sync_standby')),
    `${name} rejoined as ${sync ? 'synchronous ' : ''}standby`, ms);
}

// Every acknowledged write is stored; nothing twice. Returns the counts.
function verifyStored(phase) {
    const rows = (sql) => psql(sql).split('\n').filter(Boolean).map((l) => l.split('|'));
    const bars = {}, keys = new Set(), trades = {}, moves = {};
    for (const [s, ts] of rows('SELECT symbol, extract(epoch from ts)::bigint FROM bars')) (bars[s] ??= new Set()).add(Number(ts));
    for (const [k] of rows('SELECT key FROM idempotency_keys')) keys.add(k);
    for (const [id, s, stop] of rows('SELECT id, symbol, stop_price FROM liquidity_trades')) trades[id] = { s, stop: Number(stop) };
    for (const [id, stop] of rows(`SELECT trade_id, stop_price FROM trade_events WHERE kind = 'stop_moved'`)) (moves[id] ??= []).push(Number(stop));
    const dupMoves = Number(psql(`SELECT count(*) FROM (SELECT trade_id, ts, stop_price FROM trade_events
                                  WHERE kind = 'stop_moved' GROUP BY 1, 2, 3 HAVING count(*) > 1) d`));
    let nb = 0, nk = 0, nt = 0, ns = 0, missing = 0;
    for (const s of SYMBOLS) {
        const a = acked[s];
        const stored = bars[s] ?? new Set();
        const gone = [...a.ts].filter((t) => !stored.has(t)).length;
        missing += gone;
        check(gone === 0, `${phase}: ${s}: ${gone} of ${a.ts.size} acknowledged bars missing`);
        check(stored.size === a.ts.size, `${phase}: ${s}: ${stored.size} bars stored, ${a.ts.size} acknowledged`);
        nb += a.ts.size;
        for (const k of [...a.keys, ...a.setupKeys.keys()]) {
            nk++;
            check(keys.has(k), `${phase}: idempotency reply ${k} stored`);
        }
        const storedTrades = Object.keys(trades).filter((id) => trades[id].s === s).length;
        check(storedTrades === a.trades.size, `${phase}: ${s}: ${storedTrades} trades stored, ${a.trades.size} acknowledged (none twice)`);
        for (const [id, t] of a.trades) {
            nt++;
            check(trades[id]?.s === s, `${phase}: trade ${id} stored`);
            for (const p of t.stops) {
                ns++;
                check((moves[id] ?? []).some((m) => Math.abs(m - p) < 1e-9), `${phase}: trade ${id} stop move to ${p} stored`);
            }
            if (t.lastStop !== undefined)
                check(Math.abs(trades[id]?.stop - t.lastStop) < 1e-9, `${phase}: trade ${id} stop ${trades[id]?.stop} = last acknowledged ${t.lastStop}`);
        }
    }
    check(dupMoves === 0, `${phase}: ${dupMoves} stop moves stored twice`);
    return { bars: nb, keys: nk, trades: nt, stops: ns, missing };
}

async function sigtermExits0(svc, ms) {
    const start = Date.now();
    const code = new Promise((r) => svc.proc.once('exit', (c, s) => r(c ?? s)));
    svc.proc.kill('SIGTERM');
    const got = await Promise.race([code, sleep(ms + 2000).then(() => 'timeout')]);
    procs.delete(svc.name);
    return { code: got, ms: Date.now() - start };
}

async function main() {
    execFileSync('chown', ['postgres:', tmp]);
    chmodSync(tmp, 0o700);
    const p = await freePorts(10);
    ports = { etcdClient: p[0], etcdPeer: p[1] };
    nodes[0].pg = p[2]; nodes[0].rest = p[3]; nodes[1].pg = p[4]; nodes[1].rest = p[5];
    const [svcPort, svcPort2, svcPort3, svcPort4] = [p[6], p[7], p[8], p[9]];
    for (const [k, s] of SYMBOLS.entries()) { series[s] = readBars(k * 6000, BARS); next[s] = 0; }

    startEtcd();
    startPatroni(0);
    const first = await until(leader, 'pg0 bootstrapped as leader', 120000);
    startPatroni(1);
    await until(syncStandby, 'pg1 the synchronous standby', 120000);
    log(`cluster: leader ${first.name}, synchronous standby up (Patroni ${JSON.stringify(DCS)})`);
    psql('CREATE DATABASE liq_ha', 'postgres');

    // --- 1. synchronous mode, three failovers ----------------------------------------------
    let svc = startService('ha-a', svcPort);
    await waitHealthy(svc);
    let run = runStreams(svc, 's');
    await progressBy(run, SYMBOLS.length * 4);
    const results = [];
    for (let k = 1; k <= 3 && !state.failed; k++) {
        const f = await failover(run, k);
        results.push(f);
        const back = await untilRejoined(f.from, true);
        log(`failover ${k}: ${back.name} rejoined as synchronous standby`);
        await progressBy(run, SYMBOLS.length * 2);
    }
    run.on = false;
    await run.done;
    const health = JSON.parse((await http(svc.base, 'GET', '/health')).text);
    check(health.database_node_changes >= 3, `/health counts the node changes: ${JSON.stringify(health)}`);
    const counts = verifyStored('synchronous');
    for (const f of results)
        check(f.ms <= FAILOVER_GOAL_MS, `kill -9 -> first acknowledged write ${f.ms} ms (goal <= ${FAILOVER_GOAL_MS} ms)`);
    log(`synchronous mode, 3 failovers: kill -9 -> first acknowledged write ${results.map((f) => `${f.ms} ms`).join(', ')}; ` +
        `acknowledged and stored: ${counts.bars} bars, ${counts.keys} idempotency replies, ${counts.trades} trades, ` +
        `${counts.stops} stop moves; missing ${counts.missing}; retried answers ${JSON.stringify(seen)}`);
    // zones served = a fresh replay of the stored bars
    const served = {};
    for (const s of SYMBOLS) served[s] = (await callRetrying(svc.base, 'GET', `/zones?symbol=${s}&limit=1000`)).text;
    const st = await sigtermExits0(svc, 9000);
    check(st.code === 0, `SIGTERM: exit ${st.code}`);
    svc = startService('ha-b', svcPort2);
    await waitHealthy(svc);
    for (const s of SYMBOLS) {
        const r = await callRetrying(svc.base, 'GET', `/zones?symbol=${s}&limit=1000`);
        check(r.status === 200 && r.text === served[s], `${s}: zones after a fresh replay equal the served ones`);
    }

    // --- 2. the same failover, standby asynchronous ----------------------------------------
    check((await patch({ synchronous_mode: false })).status === 200, 'PATCH synchronous_mode false');
    await until(async () => psql('SHOW synchronous_standby_names', 'postgres') === '', 'asynchronous', 30000);
    await until(replica, 'a streaming standby', 60000);
    // (a) the standby keeps up (loopback: WAL arrives within microseconds); (b) the standby
    // is 1.5 s behind when the primary's node is lost: the primary's WAL sender is stopped
    // (SIGSTOP) for 1.5 s, as a slow link or a busy standby would hold it back, so what was
    // acknowledged in that window never left the primary; then the node dies - its Patroni
    // and its postgres killed (-9), so nothing restarts it in place - and the standby is
    // promoted once the leader key expires (ttl)
    const asyncRuns = [];
    for (const lagging of [false, true]) {
        run = runStreams(svc, lagging ? 'al' : 'a', true);
        await progressBy(run, SYMBOLS.length * 2);
        const old = await leader();
        let paused = [];
        if (lagging) {
            paused = await until(() => {
                try {
                    const w = childrenOf(postmasterOf(nodeOf(old)), 'walsender');
                    return w.length === 1 ? w : null;
                } catch { return null; }
            }, "the primary's WAL sender", 60000);
            for (const pid of paused) process.kill(pid, 'SIGSTOP');
            await sleep(1500); // the window: writes acknowledged by the primary alone
        }
        killAt = Date.now();
        firstAfterKill = 0;
        const n = nodes.indexOf(nodeOf(old));
        if (lagging) process.kill(-procs.get(`patroni${n}`).pid, 'SIGKILL');
        killPostmaster(nodeOf(old));
        for (const pid of paused) process.kill(pid, 'SIGKILL');
        log(`asynchronous${lagging ? ', standby 1.5 s behind' : ''}: kill -9 ${lagging ? 'Patroni and postgres' : 'postgres'} of the primary ${old.name}`);
        await until(async () => { const l = await leader(); return l && l.name !== old.name; }, 'a new leader', 90000);
        await until(async () => firstAfterKill || state.failed, 'an acknowledged write after the kill', 60000);
        const ms = firstAfterKill - killAt;
        if (lagging) startPatroni(n); // the node comes back: it rejoins (pg_rewind)
        killAt = 0;
        await progressBy(run, SYMBOLS.length);
        run.on = false;
        await run.done;
        // count, do not fail: what asynchronous replication may lose
        const stored = new Set(psql('SELECT symbol, extract(epoch from ts)::bigint FROM bars').split('\n').filter(Boolean));
        let acks = 0, lost = 0;
        for (const s of SYMBOLS) for (const t of acked[s].ts) { acks++; if (!stored.has(`${s}|${t}`)) lost++; }
        asyncRuns.push({ lagging, ms, lost, acks });
        log(`asynchronous mode${lagging ? ', standby 1.5 s behind' : ''}: kill -9 -> first acknowledged write ${ms} ms; ` +
            `${lost} of ${acks} acknowledged bars missing on the promoted node`);
        // the memory of the service now runs ahead of the promoted node: a fresh start
        // rebuilds from what the new primary holds
        const t = await sigtermExits0(svc, 9000);
        check(t.code === 0, `SIGTERM: exit ${t.code}`);
        for (const s of SYMBOLS) acked[s].ts = new Set([...acked[s].ts].filter((x) => stored.has(`${s}|${x}`)));
        svc = startService(lagging ? 'ha-d' : 'ha-c', lagging ? svcPort3 : svcPort4);
        await waitHealthy(svc);
        await untilRejoined(old.name, false);
    }

    // --- 3. strict synchronous mode, the standby gone ------------------------------------
    check((await patch({ synchronous_mode: true, synchronous_mode_strict: true })).status === 200, 'PATCH strict');
    const sb = await until(syncStandby, 'a synchronous standby', 120000);
    // every symbol loaded (its lease taken) before the stall: reads are then memory only
    for (const s of SYMBOLS)
        check((await callRetrying(svc.base, 'GET', `/zones?symbol=${s}&limit=5`)).status === 200, `${s} loaded`);
    // the standby node is lost: its Patroni and its postgres killed (-9)
    const victim = procs.get(`patroni${nodes.indexOf(nodeOf(sb))}`);
    const sbPid = postmasterOf(nodeOf(sb));
    process.kill(-victim.pid, 'SIGKILL');
    process.kill(sbPid, 'SIGKILL');
    await until(async () => victim.exited, 'the standby stopped', 60000);
    await until(async () => walSenders() === 0, 'no standby connected to the primary', 60000);
    log(`strict synchronous mode: standby ${sb.name} stopped; synchronous_standby_names = ` +
        `'${psql('SHOW synchronous_standby_names', 'postgres')}'`);
    let worst = 0;
    const codes = {};
    for (let i = 0; i < 4; i++) {
        const s = SYMBOLS[i % SYMBOLS.length];
        const batch = series[s].slice(next[s], next[s] + BATCH);
        const r = await http(svc.base, 'POST', '/bars', {
            body: batch.map((x) => ({ symbol: s, timeframe: 'M15', ...x })), timeout: 30000 });
        worst = Math.max(worst, r.ms);
        const code = r.status === 503 ? JSON.parse(r.text).error.code : String(r.status);
        codes[code] = (codes[code] || 0) + 1;
        check(r.status === 503 && r.retryAfter > 0, `stalled write: ${r.status} ${r.text.slice(0, 160)}`);
        check(r.ms <= DB_TIMEOUT_MS + 1000, `stalled write answered after ${r.ms} ms (deadline ${DB_TIMEOUT_MS} ms + 1 s)`);
        const z = await http(svc.base, 'GET', `/zones?symbol=${s}&limit=5`);
        check(z.status === 200 && z.ms < 1000, `read from memory during the stall: ${z.status} in ${z.ms} ms ${z.status === 200 ? '' : z.text.slice(0, 160)}`);
    }
    // SIGTERM with a write stuck in the database
    const s0 = SYMBOLS[0];
    const stuck = http(svc.base, 'POST', '/bars', { timeout: 30000,
        body: series[s0].slice(next[s0], next[s0] + BATCH).map((x) => ({ symbol: s0, timeframe: 'M15', ...x })) });
    await sleep(300);
    const term = await sigtermExits0(svc, 9000);
    const sr = await stuck;
    check(sr.status !== 200, `the write stuck at SIGTERM was acknowledged: ${sr.text.slice(0, 120)}`);
    check(term.code === 0 && term.ms <= 9500, `SIGTERM during the stall: exit ${term.code} after ${term.ms} ms`);
    log(`stall: writes answered 503 within ${worst.toFixed(0)} ms (${JSON.stringify(codes)}); reads served; SIGTERM exit ${term.code} after ${term.ms} ms`);
    log(state.failed ? 'FAILED' : `ok in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

// A red run keeps what explains it: the last lines of each node's Patroni (and its postgres)
// and of etcd, printed before cleanup removes the directory
function dumpLogs() {
    for (const f of ['patroni0.log', 'patroni1.log', 'etcd.log']) {
        let lines = [];
        try { lines = readFileSync(path.join(tmp, f), 'utf8').split('\n'); } catch { continue; }
        log(`--- the last ${Math.min(80, lines.length)} lines of ${f}`);
        for (const l of lines.slice(-80)) if (l) process.stderr.write(`  ${f}: ${l}\n`);
    }
}
main().then(() => { if (state.failed) dumpLogs(); cleanup(); process.exit(state.failed ? 1 : 0); },
            (e) => { log('FAIL:', e.stack || e); dumpLogs(); cleanup(); process.exit(1); });
