/**
 * A Keystone v3 session: authenticates with a password or an application credential, caches the
 * token and renews it before it expires (Keystone answers in ~250 ms: never once per request),
 * finds endpoints in the service catalogue by type, region and interface, negotiates microversions
 * with Nova and Placement, and re-authenticates once when a token is refused (401).
 */
import { DriverError } from '../driver.js';
import {
  CallCounter,
  HttpError,
  send,
  type Fetch,
  type HttpResponse,
  type Method,
} from './http.js';

export type Credentials =
  | {
      readonly kind: 'password';
      readonly username: string;
      readonly password: string;
      readonly userDomain: string;
      readonly project: string;
      readonly projectDomain: string;
    }
  | { readonly kind: 'application-credential'; readonly id: string; readonly secret: string };

export type Interface = 'public' | 'internal' | 'admin';

export interface SessionOptions {
  /** Keystone v3, e.g. http://127.0.0.1:5000/v3 */
  readonly authUrl: string;
  readonly credentials: Credentials;
  /** Endpoints of this region; the first region of each service when absent. */
  readonly region?: string;
  readonly interface: Interface;
  readonly timeoutMs: number;
  /** Wall time in ms (tests move it). */
  readonly now?: () => number;
  readonly fetch?: Fetch;
  readonly counter?: CallCounter;
}

/** The services the driver calls, with the microversions it asks for and needs at least. */
export const SERVICES = {
  compute: { preferred: '2.88', minimum: '2.60' },
  placement: { preferred: '1.39', minimum: '1.20' },
  identity: undefined,
} as const;
export type Service = keyof typeof SERVICES;

interface Token {
  readonly value: string;
  readonly expiresAt: number;
  readonly issuedAt: number;
  readonly projectId: string | undefined;
  readonly catalog: readonly CatalogEntry[];
}

interface CatalogEntry {
  readonly type: string;
  readonly endpoints: readonly {
    readonly interface: string;
    readonly region: string;
    readonly url: string;
  }[];
}

export interface ServiceRequest {
  readonly body?: unknown;
  readonly subject?: string;
  /** Overrides the session's deadline. */
  readonly timeoutMs?: number;
}

const parseVersion = (v: string): [number, number] => {
  const [major, minor] = v.split('.').map(Number);
  return [major ?? 0, minor ?? 0];
};
const versionLess = (a: string, b: string): boolean => {
  const [am, an] = parseVersion(a);
  const [bm, bn] = parseVersion(b);
  return am < bm || (am === bm && an < bn);
};

export class KeystoneSession {
  readonly counter: CallCounter;
  private token: Token | undefined;
  private authenticating: Promise<Token> | undefined;
  private readonly microversions = new Map<Service, Promise<string>>();
  private readonly now: () => number;

  constructor(private readonly options: SessionOptions) {
    this.now = options.now ?? Date.now;
    this.counter = options.counter ?? new CallCounter();
  }

  /** The project the token is scoped to (an application credential's own project). */
  async projectId(): Promise<string | undefined> {
    return (await this.currentToken()).projectId;
  }

  /** A valid token: the cached one, or a new one when it expires within a quarter of its life. */
  private async currentToken(): Promise<Token> {
    const t = this.token;
    if (t !== undefined) {
      const margin = Math.min(10 * 60_000, (t.expiresAt - t.issuedAt) / 4);
      if (this.now() < t.expiresAt - margin) return t;
    }
    return this.authenticate();
  }

  /** Authenticates once for every caller waiting at the same time. */
  private authenticate(): Promise<Token> {
    this.authenticating ??= this.issue().finally(() => {
      this.authenticating = undefined;
    });
    return this.authenticating;
  }

  private async issue(): Promise<Token> {
    const c = this.options.credentials;
    const identity =
      c.kind === 'password'
        ? {
            methods: ['password'],
            password: {
              user: { name: c.username, domain: { name: c.userDomain }, password: c.password },
            },
          }
        : {
            methods: ['application_credential'],
            application_credential: { id: c.id, secret: c.secret },
          };
    const scope =
      c.kind === 'password'
        ? { scope: { project: { name: c.project, domain: { name: c.projectDomain } } } }
        : {};
    this.counter.count('identity POST /auth/tokens');
    let response: HttpResponse;
    try {
      response = await send(
        {
          method: 'POST',
          url: `${this.options.authUrl.replace(/\/+$/, '')}/auth/tokens`,
          body: { auth: { identity, ...scope } },
          timeoutMs: this.options.timeoutMs,
          subject: 'keystone',
        },
        this.options.fetch,
      );
    } catch (error) {
      if (error instanceof DriverError && error.kind === 'unauthorised')
        throw new DriverError(
          'unauthorised',
          'keystone',
          `Keystone at ${this.options.authUrl} refused the ${c.kind === 'password' ? `password of ${c.username}` : `application credential ${c.id}`}: ${error.message}`,
        );
      throw error;
    }
    const value = response.headers.get('x-subject-token');
    const token = (response.body as { token?: Record<string, unknown> } | undefined)?.token;
    if (!value || token === undefined)
      throw new DriverError('failed', 'keystone', 'Keystone issued no token (no X-Subject-Token)');
    const stamp = (v: unknown): number => (typeof v === 'string' ? Date.parse(v) : Number.NaN);
    const expiresAt = stamp(token['expires_at']);
    const issuedAt = stamp(token['issued_at']);
    const project = token['project'] as { id?: string } | undefined;
    const fresh: Token = {
      value,
      expiresAt: Number.isFinite(expiresAt) ? expiresAt : this.now() + 3600_000,
      issuedAt: Number.isFinite(issuedAt) ? issuedAt : this.now(),
      projectId: project?.id,
      catalog: (token['catalog'] as CatalogEntry[] | undefined) ?? [],
    };
    this.token = fresh;
    return fresh;
  }

  /** The endpoint of a service type in the session's region and interface. */
  async endpoint(service: Service): Promise<string> {
    const token = await this.currentToken();
    const entry = token.catalog.find((e) => e.type === service);
    const wanted = this.options.interface;
    const region = this.options.region;
    const endpoint = entry?.endpoints.find(
      (e) => e.interface === wanted && (region === undefined || e.region === region),
    );
    if (endpoint === undefined)
      throw new DriverError(
        'rejected',
        'keystone',
        `the service catalogue has no ${wanted} ${service} endpoint${region ? ` in region ${region}` : ''} (regions: ${[...new Set(entry?.endpoints.map((e) => e.region) ?? [])].join(', ') || 'none'})`,
      );
    return endpoint.url.replace(/\/+$/, '');
  }

  /** The microversion to speak with a service: ours, or the service's highest if older. */
  microversion(service: 'compute' | 'placement'): Promise<string> {
    let known = this.microversions.get(service);
    if (known === undefined) {
      known = this.negotiate(service);
      known.catch(() => this.microversions.delete(service));
      this.microversions.set(service, known);
    }
    return known;
  }

  private async negotiate(service: 'compute' | 'placement'): Promise<string> {
    const { preferred, minimum } = SERVICES[service];
    const root = await this.endpoint(service);
    const response = await this.raw(service, 'GET', root, {}, undefined);
    const body = response.body as
      | { version?: { version?: string; max_version?: string } }
      | { versions?: { max_version?: string; version?: string }[] }
      | undefined;
    const doc =
      body && 'version' in body
        ? body.version
        : body && 'versions' in body
          ? body.versions?.[0]
          : undefined;
    const max = doc?.version || doc?.max_version;
    if (!max) return minimum;
    if (versionLess(max, minimum))
      throw new DriverError(
        'rejected',
        service,
        `${service} at ${root} speaks microversions up to ${max}; Escalator needs ${minimum} or newer`,
      );
    return versionLess(max, preferred) ? max : preferred;
  }

  /**
   * A request to a service: `path` relative to its endpoint (or a whole URL). Adds the token and
   * the microversion; a refused token (401) is renewed once and the request sent again.
   */
  async request(
    service: Service,
    method: Method,
    path: string,
    options: ServiceRequest = {},
  ): Promise<HttpResponse> {
    const base = await this.endpoint(service);
    const url = /^https?:\/\//.test(path) ? path : `${base}${path}`;
    const version = service === 'identity' ? undefined : await this.microversion(service);
    try {
      return await this.raw(service, method, url, options, version);
    } catch (error) {
      if (!(error instanceof HttpError) || error.status !== 401) throw error;
      this.token = undefined;
      return this.raw(service, method, url, options, version);
    }
  }

  private async raw(
    service: Service,
    method: Method,
    url: string,
    options: ServiceRequest,
    version: string | undefined,
  ): Promise<HttpResponse> {
    const token = await this.currentToken();
    this.counter.count(`${service} ${method} ${templatePath(url)}`);
    return send(
      {
        method,
        url,
        headers: {
          'X-Auth-Token': token.value,
          ...(version === undefined ? {} : { 'OpenStack-API-Version': `${service} ${version}` }),
        },
        ...(options.body === undefined ? {} : { body: options.body }),
        timeoutMs: options.timeoutMs ?? this.options.timeoutMs,
        subject: options.subject ?? service,
      },
      this.options.fetch,
    );
  }
}

/** A URL's path with ids and names replaced, for counting calls by kind. */
function templatePath(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url;
  }
  return path
    .replace(/\/[0-9a-f]{8}-[0-9a-f-]{27,}/gi, '/{id}')
    .replace(/\/[0-9a-f]{32}\b/gi, '/{id}')
    .replace(/\/\d+(?=\/|$)/g, '/{id}');
}
