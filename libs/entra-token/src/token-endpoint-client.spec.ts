import { inspect } from 'node:util';
import { Secret } from '@parley/config';
import { TokenEndpointClient, type FetchFunction } from './token-endpoint-client';
import { TokenEndpointError } from './token-endpoint-error';

function fakeFetch(status: number, body: unknown): { fetch: FetchFunction; calls: { url: string; init: RequestInit }[] } {
  const calls: { url: string; init: RequestInit }[] = [];
  return {
    calls,
    fetch: async (url, init) => {
      calls.push({ url, init });
      return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    },
  };
}

describe('TokenEndpointClient', () => {
  it('posts a form to the tenant token endpoint and returns the tokens as Secrets', async () => {
    const fake = fakeFetch(200, { token_type: 'Bearer', access_token: 'at-1', refresh_token: 'rt-1', expires_in: 3599, scope: 'User.Read' });
    const client = new TokenEndpointClient(fake.fetch);
    const grant = await client.request('https://login.example/', 'tenant-1', { grant_type: 'password', username: 'a@b.c', password: new Secret('pw d&=') });
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]?.url).toBe('https://login.example/tenant-1/oauth2/v2.0/token');
    expect(fake.calls[0]?.init.method).toBe('POST');
    expect(new URLSearchParams(String(fake.calls[0]?.init.body)).get('password')).toBe('pw d&=');
    expect(grant.accessToken.reveal()).toBe('at-1');
    expect(grant.refreshToken?.reveal()).toBe('rt-1');
    expect(grant.expiresInSeconds).toBe(3599);
    expect(inspect(grant)).not.toContain('at-1');
    expect(JSON.stringify(grant)).not.toContain('rt-1');
  });

  it('turns an OAuth error into a rejected TokenEndpointError with the AADSTS codes', async () => {
    const fake = fakeFetch(400, { error: 'invalid_grant', error_description: 'AADSTS50076: MFA needed. Trace ID: x', error_codes: [50076] });
    const error = await new TokenEndpointClient(fake.fetch)
      .request('https://login.example', 't', { grant_type: 'refresh_token', refresh_token: new Secret('rt-secret') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ kind: 'rejected', httpStatus: 400, error: 'invalid_grant', errorCodes: [50076] });
    expect((error as TokenEndpointError).aadsts).toBe(50076);
    expect(String((error as Error).message)).not.toContain('rt-secret');
  });

  it('reports 5xx, non-JSON answers and network failures as unavailable', async () => {
    await expect(new TokenEndpointClient(fakeFetch(503, 'busy').fetch).request('https://l', 't', {})).rejects.toMatchObject({ kind: 'unavailable', httpStatus: 503 });
    await expect(new TokenEndpointClient(fakeFetch(200, { access_token: 'x' }).fetch).request('https://l', 't', {})).rejects.toMatchObject({
      kind: 'unavailable',
      error: 'invalid_response',
    });
    const down: FetchFunction = async () => {
      throw new TypeError('fetch failed');
    };
    await expect(new TokenEndpointClient(down).request('https://l', 't', {})).rejects.toMatchObject({ kind: 'unavailable', httpStatus: null });
  });
});
