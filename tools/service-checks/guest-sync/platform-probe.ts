import { Agent } from 'undici';
import type { DemoCredentials, PlatformSandboxes } from '@parley/sandbox-runner';

/**
 * What an admin would check on the platforms themselves after a sync, asked through their public APIs (Graph with
 * the app's own token, Slack's SCIM), never through Parley.
 */
export class PlatformProbe {
  private readonly dispatcher: Agent;

  constructor(
    sandboxes: Pick<PlatformSandboxes, 'credentials'> & { readonly graph: { readonly caPem: string } },
    private readonly credentials: DemoCredentials = sandboxes.credentials,
  ) {
    this.dispatcher = new Agent({ connect: { ca: sandboxes.graph.caPem } });
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /** One Graph call as the app or a person. The probe shares the app's limits with Parley, so it waits out a 429. */
  /** A binary answer (a hosted content's or a drive item's bytes), as a client downloads it. */
  async graphBytes(path: string, token: string): Promise<{ status: number; bytes: Buffer }> {
    const url = path.startsWith('https://') ? path : `${this.credentials.graph.graphUrl}${path}`;
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, dispatcher: this.dispatcher } as unknown as RequestInit);
    return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
  }

  async graph<T>(path: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
    const url = path.startsWith('https://') ? path : `${this.credentials.graph.graphUrl}${path}`;
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(url, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        dispatcher: this.dispatcher,
      } as unknown as RequestInit);
      const text = await response.text();
      // A reader shares the app's limits with Parley (the chaos run reads hundreds of threads back while Parley still
      // delivers): it waits as told, for as long as it takes a busy minute to pass.
      if (response.status === 429 && attempt < 40) {
        // The sandbox also says the exact wait on its compressed clock (Retry-After is whole seconds, at least 1).
        const exact = response.headers.get('x-sandbox-retry-after-ms');
        const waitMs = exact ? Number(exact) : Number(response.headers.get('retry-after') ?? '1') * 1000;
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        continue;
      }
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
    }
  }

  async appToken(tenantId = this.credentials.graph.customerTenantId): Promise<string> {
    const response = await fetch(`${this.credentials.graph.authorityUrl}/${tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: this.credentials.graph.clientId,
        client_secret: this.credentials.graph.clientSecret,
        scope: 'https://graph.microsoft.com/.default',
      }),
      dispatcher: this.dispatcher,
    } as unknown as RequestInit);
    const body = (await response.json()) as { access_token?: string };
    if (!body.access_token) throw new Error(`no app token: ${JSON.stringify(body)}`);
    return body.access_token;
  }

  /**
   * Plays a person at the identity platform's consent page: opens the authorize URL, signs in and accepts. Returns
   * where the platform redirects the browser (the app's redirect URI with `code` and `state`).
   */
  async authorize(url: URL, signIn: { username: string; password: string }): Promise<string> {
    const page = await fetch(url, { dispatcher: this.dispatcher } as unknown as RequestInit);
    if (page.status !== 200) throw new Error(`the authorize page answered ${page.status}: ${await page.text()}`);
    const accept = await fetch(`${url.origin}${url.pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...Object.fromEntries(url.searchParams), ...signIn, consent: 'accept' }).toString(),
      redirect: 'manual',
      dispatcher: this.dispatcher,
    } as unknown as RequestInit);
    const location = accept.headers.get('location');
    if (accept.status !== 302 || !location) throw new Error(`the consent was not accepted (${accept.status}): ${await accept.text()}`);
    return location;
  }

  /** Every guest of the customer tenant, following nextLinks. */
  async guests(): Promise<{ id: string; displayName: string; userPrincipalName: string; userType: string; accountEnabled: boolean; mail: string }[]> {
    const token = await this.appToken();
    const all: { id: string; displayName: string; userPrincipalName: string; userType: string; accountEnabled: boolean; mail: string }[] = [];
    let next: string | undefined = `/users?$filter=${encodeURIComponent("userType eq 'Guest'")}&$select=id,displayName,userPrincipalName,userType,accountEnabled,mail&$top=100`;
    while (next) {
      const page: { status: number; body: { value: typeof all; '@odata.nextLink'?: string } } = await this.graph(next, token);
      if (page.status !== 200) throw new Error(`listing guests answered ${page.status}`);
      all.push(...page.body.value);
      next = page.body['@odata.nextLink'];
    }
    return all;
  }

  async teamMemberIds(teamId = this.credentials.graph.teamId): Promise<Map<string, string[]>> {
    const token = await this.appToken();
    const page = await this.graph<{ value: { userId: string; roles: string[] }[] }>(`/teams/${teamId}/members`, token);
    if (page.status !== 200) throw new Error(`listing team members answered ${page.status}`);
    return new Map(page.body.value.map((m) => [m.userId, m.roles]));
  }

  /** Slack users made through SCIM (Parley's mirrors), as Slack's SCIM API lists them. */
  async scimUsers(): Promise<{ id: string; userName: string; active: boolean; emails: { value: string }[] }[]> {
    const all: { id: string; userName: string; active: boolean; emails: { value: string }[] }[] = [];
    let startIndex = 1;
    for (;;) {
      const response = await fetch(`${this.credentials.slack.scimUrl}/Users?startIndex=${startIndex}&count=100`, {
        headers: { authorization: `Bearer ${this.credentials.slack.scimToken}` },
      });
      const body = (await response.json()) as { Resources: typeof all; totalResults: number; itemsPerPage: number };
      all.push(...body.Resources);
      startIndex += body.itemsPerPage;
      if (body.Resources.length === 0 || startIndex > body.totalResults) return all;
    }
  }
}
