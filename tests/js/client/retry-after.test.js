// 429 answers: Retry-After (seconds or an HTTP date) is honoured for snapshots
// and exposures. These wait about a second each, so they run concurrently.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'feats-edge';
import { startServer, until, longBackoff } from '../helpers/server.js';
import { snapshot, ctx } from '../helpers/snapshot.js';

const fast = { refreshInterval: 0, retryDelay: 10, timeout: 2000 };
const NOW = Date.parse('2026-11-22T10:00:00.000Z');

/** A server and a client loaded with the bootstrap snapshot. */
async function setup(t, options = {}) {
  const srv = await startServer({ snapshot: snapshot('r1') });
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: srv.exposureUrl, flushInterval: 0, retryDelay: 10, now: () => NOW, ...options,
  });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  return { srv, client };
}

describe('Retry-After', { concurrency: true }, () => {
  test('429 with Retry-After in seconds is honoured', async (t) => {
    const srv = await startServer({ snapshot: snapshot('r1') });
    srv.state.next = ['429'];
    srv.state.retryAfter = '1';
    const client = await createClient({ snapshotUrl: srv.snapshotUrl, ...fast, timeout: 3000 });
    t.after(async () => {
      await client.close();
      await srv.close();
    });
    assert.equal(client.revision, 'r1');
    const [a, b] = srv.state.snapshotRequests;
    assert.equal(a.status, 429);
    assert.equal(b.status, 200);
    assert.ok(b.time - a.time >= 990, `waited ${b.time - a.time} ms`);
  });

  test('429 with Retry-After as an HTTP date is honoured', async (t) => {
    const srv = await startServer({ snapshot: snapshot('r1') });
    srv.state.next = ['429'];
    const at = Math.ceil(Date.now() / 1000) * 1000 + 1000; // a whole second, 1 to 2 s ahead
    srv.state.retryAfter = new Date(at).toUTCString();
    const client = await createClient({ snapshotUrl: srv.snapshotUrl, ...fast, timeout: 4000 });
    t.after(async () => {
      await client.close();
      await srv.close();
    });
    assert.equal(client.revision, 'r1');
    const b = srv.state.snapshotRequests[1];
    assert.ok(b.wall >= at - 5, `retried ${at - b.wall} ms before the date`);
  });

  test('a Retry-After date is read against the answer\'s own Date: a server whose clock is off by an hour', async (t) => {
    for (const skew of [3600e3, -3600e3]) {
      const srv = await startServer({ snapshot: snapshot('r1') });
      srv.state.next = ['429'];
      const serverNow = Date.now() + skew;
      srv.state.date = new Date(serverNow).toUTCString();
      // 1 to 2 s after the server's now (its Date has whole seconds).
      srv.state.retryAfter = new Date(Math.ceil(serverNow / 1000) * 1000 + 1000).toUTCString();
      const client = await createClient({ snapshotUrl: srv.snapshotUrl, ...fast, timeout: 5000 });
      t.after(async () => {
        await client.close();
        await srv.close();
      });
      // Ahead, the wait was the 5-minute cap; behind, none at all.
      assert.equal(client.revision, 'r1', `skew ${skew}`);
      const [a, b] = srv.state.snapshotRequests;
      assert.deepEqual([a.status, b.status], [429, 200]);
      assert.ok(b.time - a.time >= 900 && b.time - a.time < 2600, `skew ${skew}: waited ${b.time - a.time} ms`);
    }
  });

  test('a Retry-After in the asctime form (no zone) is GMT, wherever the client runs', async () => {
    // (Date.parse reads it as local time: in New York, 5 hours later.)
    const { execFileSync } = await import('node:child_process');
    const script = `
      const { createServer } = await import('node:http');
      const { createClient } = await import(${JSON.stringify(import.meta.resolve('feats-edge'))});
      const d = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
      const p = (n) => String(n).padStart(2, '0');
      const asctime = d.toUTCString().slice(0, 3) + ' ' + d.toUTCString().slice(8, 11) + ' ' + String(d.getUTCDate()).padStart(2, ' ') +
        ' ' + p(d.getUTCHours()) + ':' + p(d.getUTCMinutes()) + ':' + p(d.getUTCSeconds()) + ' ' + d.getUTCFullYear();
      let n = 0;
      const server = createServer((req, res) => n++ === 0
        ? res.writeHead(429, { 'Retry-After': asctime }).end()
        : res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ schema: 1, revision: 'r1' })));
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      const client = await createClient({ snapshotUrl: 'http://127.0.0.1:' + server.address().port + '/s', refreshInterval: 0, retryDelay: 10, timeout: 4000 });
      console.log(JSON.stringify({ revision: client.revision, asctime }));
      await client.close();
      server.close();`;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, TZ: 'America/New_York' } }));
    assert.equal(out.revision, 'r1', out.asctime);
  });

  test('a Date that is no HTTP date is ignored: the Retry-After date is read against the client\'s clock', async (t) => {
    // Date.parse reads "0" as the year 2000 and "unknown 1" as 2001.
    for (const date of ['0', 'unknown 1', 'soon']) {
      const srv = await startServer({ snapshot: snapshot('r1') });
      srv.state.next = ['429'];
      srv.state.date = date;
      srv.state.retryAfter = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000).toUTCString();
      const client = await createClient({ snapshotUrl: srv.snapshotUrl, ...fast, timeout: 5000 });
      t.after(async () => {
        await client.close();
        await srv.close();
      });
      assert.equal(client.revision, 'r1', `Date: ${date}`);
      const [a, b] = srv.state.snapshotRequests;
      assert.ok(b.time - a.time < 2600, `Date: ${date}: waited ${b.time - a.time} ms`);
    }
  });

  test('a Retry-After that is neither seconds nor a date is ignored: the backoff applies', async (t) => {
    // "-86400" once read as the year 86400 by Date.parse: a wait of the whole 5-minute cap.
    for (const value of ['-86400', '-1', '1.5', 'soon']) {
      const srv = await startServer({ snapshot: snapshot('r1') });
      srv.state.next = ['429'];
      srv.state.retryAfter = value;
      const client = await createClient({ snapshotUrl: srv.snapshotUrl, ...fast, timeout: 3000 });
      t.after(async () => {
        await client.close();
        await srv.close();
      });
      assert.equal(client.revision, 'r1', `Retry-After: ${value}`);
      assert.deepEqual(srv.state.snapshotRequests.map((r) => r.status), [429, 200]);
    }
  });

  test('429 on exposures keeps the batch and waits for Retry-After before the periodic retry', async (t) => {
    const { srv, client } = await setup(t, { flushInterval: 10 });
    srv.state.exposureMode = '429';
    srv.state.retryAfter = '1';
    client.create('Split', ctx('1'));
    await until(() => srv.state.exposureRequests.length === 1, 3000, 'the first attempt');
    srv.state.exposureMode = 'ok';
    await until(() => srv.accepted().length === 1, 4000, 'the retry');
    const [a, b] = srv.state.exposureRequests;
    assert.ok(b.time - a.time >= 990, `retried after ${b.time - a.time} ms`);
  });
});

test('the wait a Retry-After asks for is said as error.retryAfter: in each of the three HTTP date forms against the answer\'s Date, none for what is neither seconds nor a date', async (t) => {
  longBackoff(t); // (no retry where no Retry-After is read, while the test waits for the first error)
  // The asctime form names no zone: read in a zone other than GMT, it was hours off.
  const tz = process.env.TZ;
  process.env.TZ = 'America/New_York';
  t.after(() => (tz === undefined ? delete process.env.TZ : (process.env.TZ = tz)));
  const cases = [
    ['Sun, 06 Dec 2026 15:00:00 GMT', '90', 90_000],
    ['Sun, 06 Dec 2026 15:00:00 GMT', 'Sun, 06 Dec 2026 15:01:30 GMT', 90_000],
    ['Sun, 06 Dec 2026 15:00:00 GMT', 'Sunday, 06-Dec-26 15:01:30 GMT', 90_000],
    ['Sun, 06 Dec 2026 15:00:00 GMT', 'Sun Dec  6 15:01:30 2026', 90_000],
    ['Wed, 16 Dec 2026 15:00:00 GMT', 'Wed Dec 16 15:01:30 2026', 90_000],
    // The day's whole name in that layout (no HTTP date): still no zone, still GMT.
    ['Sun, 06 Dec 2026 15:00:00 GMT', 'Sunday Dec  6 15:01:30 2026', 90_000],
    // GMT only where no zone is named: one named after that form is read as named.
    ['Sun, 06 Dec 2026 15:00:00 GMT', 'Sun Dec  6 16:01:30 2026 +0100', 90_000],
    // A date after other words is none: it must start the value.
    ['Sun, 06 Dec 2026 15:00:00 GMT', 'until Sun, 06 Dec 2026 15:01:30 GMT', undefined],
    ...['1.5', '1e3', '5 s', '-1', 'soon'].map((v) => [undefined, v, undefined]),
  ];
  for (const [date, value, retryAfter] of cases) {
    const srv = await startServer({ snapshot: snapshot('r1') });
    t.after(() => srv.close());
    srv.state.mode = '429';
    srv.state.date = date;
    srv.state.retryAfter = value;
    const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, retryDelay: 60_000, timeout: 0 });
    t.after(() => client.close());
    const errors = [];
    client.on('error', (e) => errors.push(e));
    await until(() => errors.length === 1, 3000, 'the 429');
    assert.deepEqual([errors[0].status, errors[0].retryAfter], [429, retryAfter], `Retry-After: ${value}`);
    await client.close();
  }
});
