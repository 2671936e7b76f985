// net.mjs - what the scaling tests (haproxy.mjs, patroni.mjs) share: free loopback ports and
// one HTTP exchange that never throws.
import net from 'node:net';

// n distinct free ports: all listened on at once, then released
export async function freePorts(n) {
    const servers = await Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve(s));
    })));
    const ports = servers.map((s) => s.address().port);
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    return ports;
}

// One request; a transport error or a timeout is status 0. start: when it was sent (ms since
// the epoch), ms: how long it took, server: the X-Served-By header (HAProxy's).
export async function http(base, method, p, { body, headers = {}, timeout = 15000 } = {}) {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), timeout);
    const start = Date.now();
    const t = process.hrtime.bigint();
    try {
        const h = { ...headers };
        if (body !== undefined) h['Content-Type'] = 'application/json';
        const r = await fetch(base + p, { method, headers: h, signal: ac.signal,
            body: body === undefined ? undefined : JSON.stringify(body) });
        const text = await r.text();
        return { status: r.status, text, retryAfter: Number(r.headers.get('retry-after') || 0),
                 server: r.headers.get('x-served-by'), start,
                 ms: Number(process.hrtime.bigint() - t) / 1e6 };
    } catch (e) {
        return { status: 0, text: String(e), retryAfter: 0, start,
                 ms: Number(process.hrtime.bigint() - t) / 1e6 };
    } finally {
        clearTimeout(timer);
    }
}

// The test's log (stderr, prefixed with its tag and the seconds since start) and its checks:
// a failed check is logged and marks the run failed (state.failed) without stopping it.
export function checker(tag) {
    const t0 = Date.now();
    const state = { failed: false, t0 };
    const log = (...a) => console.error(`[${tag} ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
    const check = (cond, msg) => {
        if (!cond) {
            state.failed = true;
            log('FAIL:', msg);
        }
        return cond;
    };
    return { log, check, state };
}

// A child whose stderr (and stdout, if piped) is kept: p.tail (the last `keep` characters),
// each chunk also to onData; p.exited is set ("code" or "signal") when it ends.
export function spawnTailed(spawn, cmd, args, options, { keep = 3000, onData } = {}) {
    const p = spawn(cmd, args, options);
    p.tail = '';
    const take = (d) => {
        p.tail = (p.tail + d).slice(-keep);
        if (onData) onData(d);
    };
    if (p.stdout) p.stdout.on('data', take);
    if (p.stderr) p.stderr.on('data', take);
    p.on('exit', (code, sig) => { p.exited = `${code ?? sig}`; });
    return p;
}

// n bars of DATA_DIR/EURUSD_15M.csv from line offset, as the API's JSON bars (no symbol).
export function readBars(readFileSync, file, offset, n) {
    const lines = readFileSync(file, 'utf8').trim().split('\n').slice(1);
    return lines.slice(offset, offset + n).map((l) => {
        const [d, o, h, lo, c, tv] = l.split(',');
        const [Y, M, D] = d.slice(0, 10).split('.');
        return { ts: `${Y}-${M}-${D}T${d.slice(11)}Z`, open: +o, high: +h, low: +lo, close: +c,
                 volume: +tv };
    });
}
