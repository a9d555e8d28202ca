/**
 * The Keystone session's own logic over real HTTP on loopback, against a small stand-in that
 * counts what it is asked and can be told to expire tokens or answer errors: token caching and
 * renewal, re-authentication after a 401, catalogue look-up by region, microversion negotiation,
 * and how HTTP failures are typed. The same code against the real Keystone, Nova and Placement:
 * driver.openstack.test.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DriverError } from '../driver.js';
import { KeystoneSession } from './keystone.js';
import { kindOf } from './http.js';

interface Stand {
  tokensIssued: number;
  valid: Set<string>;
  lifetimeMs: number;
  computeMax: string;
  nextStatus: number | undefined;
  nextBody: unknown;
  slowMs: number;
}

let server: Server;
let base = '';
const stand: Stand = {
  tokensIssued: 0,
  valid: new Set(),
  lifetimeMs: 3_600_000,
  computeMax: '2.93',
  nextStatus: undefined,
  nextBody: undefined,
  slowMs: 0,
};
let clock = Date.UTC(2026, 11, 6, 12, 0, 0);

function reply(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '';
  if (req.method === 'POST' && url === '/v3/auth/tokens') {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const auth = (JSON.parse(body) as { auth: { identity: { methods: string[] } } }).auth;
      if (auth.identity.methods[0] === 'password' && body.includes('"wrong"'))
        return reply(res, 401, {
          error: { code: 401, message: 'The request you have made requires authentication.' },
        });
      const token = `tok-${++stand.tokensIssued}`;
      stand.valid.add(token);
      reply(
        res,
        201,
        {
          token: {
            issued_at: new Date(clock).toISOString(),
            expires_at: new Date(clock + stand.lifetimeMs).toISOString(),
            project: { id: 'p1' },
            catalog: [
              {
                type: 'compute',
                endpoints: [
                  { interface: 'public', region: 'RegionOne', url: `${base}/compute/v2.1` },
                  { interface: 'public', region: 'RegionTwo', url: `${base}/two/v2.1` },
                ],
              },
            ],
          },
        },
        { 'X-Subject-Token': token },
      );
    });
    return;
  }
  const token = req.headers['x-auth-token'];
  if (typeof token !== 'string' || !stand.valid.has(token))
    return reply(res, 401, { error: { message: 'token not valid' } });
  if (url === '/compute/v2.1')
    return reply(res, 200, {
      version: { id: 'v2.1', version: stand.computeMax, min_version: '2.1' },
    });
  if (stand.nextStatus !== undefined) {
    const status = stand.nextStatus;
    stand.nextStatus = undefined;
    return reply(res, status, stand.nextBody);
  }
  setTimeout(
    () => reply(res, 200, { asked: url, version: req.headers['openstack-api-version'] ?? null }),
    stand.slowMs,
  );
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  stand.tokensIssued = 0;
  stand.valid.clear();
  stand.lifetimeMs = 3_600_000;
  stand.computeMax = '2.93';
  stand.nextStatus = undefined;
  stand.slowMs = 0;
});

const session = (o: { region?: string; password?: string; timeoutMs?: number } = {}) =>
  new KeystoneSession({
    authUrl: `${base}/v3`,
    credentials: {
      kind: 'password',
      username: 'admin',
      password: o.password ?? 'secret',
      userDomain: 'Default',
      project: 'admin',
      projectDomain: 'Default',
    },
    region: o.region ?? 'RegionOne',
    interface: 'public',
    timeoutMs: o.timeoutMs ?? 5000,
    now: () => clock,
  });

describe('a Keystone session', () => {
  it('authenticates once for many concurrent requests and caches the token', async () => {
    const s = session();
    await Promise.all(Array.from({ length: 20 }, () => s.request('compute', 'GET', '/servers')));
    expect(stand.tokensIssued).toBe(1);
    expect(s.counter.byKey.get('identity POST /auth/tokens')).toBe(1);
  });

  it('renews the token before it expires, not after', async () => {
    const s = session();
    await s.request('compute', 'GET', '/a');
    clock += 30 * 60_000; // half its life: still good
    await s.request('compute', 'GET', '/b');
    expect(stand.tokensIssued).toBe(1);
    clock += 26 * 60_000; // within the renewal margin (a quarter of its life, at most 10 min)
    await s.request('compute', 'GET', '/c');
    expect(stand.tokensIssued).toBe(2);
  });

  it('a token Keystone revoked is replaced once and the request sent again', async () => {
    const s = session();
    await s.request('compute', 'GET', '/a');
    stand.valid.clear(); // revoked behind our back
    const r = await s.request('compute', 'GET', '/b');
    expect((r.body as { asked: string }).asked).toBe('/compute/v2.1/b');
    expect(stand.tokensIssued).toBe(2);
  });

  it('negotiates the compute microversion: ours, or the service’s highest when older', async () => {
    const r = await session().request('compute', 'GET', '/x');
    expect((r.body as { version: string }).version).toBe('compute 2.88');
    stand.computeMax = '2.79';
    const older = await session().request('compute', 'GET', '/x');
    expect((older.body as { version: string }).version).toBe('compute 2.79');
    stand.computeMax = '2.40';
    await expect(session().request('compute', 'GET', '/x')).rejects.toThrow(
      /speaks microversions up to 2\.40; Escalator needs 2\.60 or newer/,
    );
  });

  it('finds the endpoint of its region, and names the regions there are when not', async () => {
    const two = await session({ region: 'RegionTwo' }).endpoint('compute');
    expect(two).toBe(`${base}/two/v2.1`);
    await expect(session({ region: 'Mars' }).endpoint('compute')).rejects.toThrow(
      /no public compute endpoint in region Mars \(regions: RegionOne, RegionTwo\)/,
    );
  });

  it('a refused password is unauthorised, and says whose', async () => {
    const error = await session({ password: 'wrong' })
      .request('compute', 'GET', '/x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DriverError);
    expect(error).toMatchObject({ kind: 'unauthorised' });
    expect((error as Error).message).toMatch(/refused the password of admin/);
  });

  it('types the failures: 5xx and a busy 409 transient, 404 and a wrong-state 409 rejected, no answer a timeout', async () => {
    const s = session({ timeoutMs: 300 });
    const failure = async (status: number, message: string) => {
      stand.nextStatus = status;
      stand.nextBody = { conflictingRequest: { code: status, message } };
      return s.request('compute', 'GET', '/y').then(
        () => new DriverError('failed', 'test', 'no failure'),
        (e: unknown) => e as DriverError,
      );
    };
    expect(await failure(503, 'Service Unavailable')).toMatchObject({ kind: 'transient' });
    expect(
      await failure(409, "Cannot 'os-migrateLive' instance while it is in task_state migrating"),
    ).toMatchObject({
      kind: 'transient',
    });
    const wrongState = await failure(
      409,
      "Cannot 'os-migrateLive' instance while it is in vm_state stopped",
    );
    expect(wrongState).toMatchObject({ kind: 'rejected' });
    expect(wrongState.message).toMatch(
      /GET \/compute\/v2\.1\/y: 409 Cannot 'os-migrateLive' instance while it is in vm_state stopped/,
    );
    expect(await failure(404, 'Instance could not be found.')).toMatchObject({ kind: 'rejected' });
    stand.slowMs = 1000;
    expect(await s.request('compute', 'GET', '/slow').catch((e: unknown) => e)).toMatchObject({
      kind: 'timeout',
    });
    expect(kindOf(429, 'slow down')).toBe('transient');
    expect(kindOf(403, 'policy')).toBe('unauthorised');
  });

  it('a Keystone that is not there is a transient failure naming the request', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const s = new KeystoneSession({
      authUrl: `http://127.0.0.1:${port}/v3`,
      credentials: { kind: 'application-credential', id: 'a', secret: 'b' },
      interface: 'public',
      timeoutMs: 2000,
    });
    const e = await s.request('compute', 'GET', '/x').catch((error: unknown) => error);
    expect(e).toMatchObject({ kind: 'transient' });
    expect((e as Error).message).toMatch(/POST \/v3\/auth\/tokens: ECONNREFUSED/);
  });
});
