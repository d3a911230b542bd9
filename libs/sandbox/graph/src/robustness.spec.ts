import { type GraphSandbox, type SeededCredentials, startGraphSandbox } from './index';
import { raw } from './testing/sdk-client';

let sandbox: GraphSandbox;
let creds: SeededCredentials;

beforeAll(async () => {
  sandbox = await startGraphSandbox({ limits: { enabled: false } });
});
afterAll(() => sandbox.stop());
beforeEach(() => {
  sandbox.reset();
  creds = sandbox.seedDemo();
});

describe('malformed requests', () => {
  test('every write endpoint answers a Graph error object (4xx), never a 500, for junk bodies', async () => {
    const people = Object.keys(creds.passwords);
    const chatId = encodeURIComponent(sandbox.control.createChat({ members: [people[0] as string, people[1] as string, people[2] as string], chatType: 'group' }).id);
    const posted = sandbox.control.post({ as: people[0] as string, chatId: decodeURIComponent(chatId), content: 'x' });
    const channel = `/teams/${creds.teamId}/channels/${encodeURIComponent(creds.generalChannelId)}`;
    const tokens = [sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId }), sandbox.control.token({ clientId: creds.clientId, tenantId: creds.customerTenantId, as: people[0] as string })];
    const targets: [string, string][] = [
      ['POST', '/users'],
      ['POST', '/invitations'],
      ['POST', '/chats'],
      ['POST', `/chats/${chatId}/members`],
      ['POST', `/chats/${chatId}/messages`],
      ['PATCH', `/chats/${chatId}/messages/${posted['id']}`],
      ['POST', `/chats/${chatId}/messages/${posted['id']}/setReaction`],
      ['POST', `${channel}/messages`],
      ['POST', `${channel}/messages/123/replies`],
      ['POST', `/teams/${creds.teamId}/members`],
      ['POST', '/subscriptions'],
      ['PATCH', '/subscriptions/nope'],
      ['POST', '/$batch'],
    ];
    const bodies = ['null', '[]', '"text"', '42', '{}', '{"body":5}', '{"requests":[{"id":1}]}', '{"members":[{}],"chatType":"group"}', '{not json', '{"body":{"content":null}}'];
    for (const token of tokens) {
      for (const [method, path] of targets) {
        for (const body of bodies) {
          const response = await raw(sandbox, `/v1.0${path}`, { method, token, body, headers: { 'content-type': 'application/json' } });
          if (response.status >= 500 || response.status < 400) throw new Error(`${method} ${path} ${body} -> ${response.status} ${response.text}`);
          expect(response.json()).toMatchObject({ error: { code: expect.any(String), message: expect.any(String), innerError: expect.any(Object) } });
        }
      }
    }
    const odd = ['/v1.0/users?$top=abc', '/v1.0/users?$top=1000', "/v1.0/users?$filter=userType eq 'Guest' or 1", '/v1.0/users?$select=nope', '/v1.0/users?$skiptoken=@@@', "/v1.0/chats('unknown')/messages", '/v1.0/users/%E0%A4%A'];
    for (const path of odd) {
      const response = await raw(sandbox, path, { token: tokens[0] });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
    const token = await raw(sandbox, `/${creds.customerTenantId}/oauth2/v2.0/token`, { body: 'grant_type=client_credentials', headers: { 'content-type': 'text/plain' } });
    expect(token.status).toBe(400);
    expect(token.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('HTTP control and inspection API', () => {
  test('a Teams person acts over /_control and the inspection endpoint reports state', async () => {
    const people = Object.keys(creds.passwords);
    const chat = await raw(sandbox, '/_control/createChat', { body: { members: [people[0], people[1]] } });
    expect(chat.status).toBe(200);
    const chatId = chat.json<{ result: { id: string } }>().result.id;
    const post = await raw(sandbox, '/_control/post', { body: { as: people[1], chatId, content: 'from a person' } });
    expect(post.json()).toMatchObject({ ok: true, result: { body: { content: 'from a person' } } });
    const refused = await raw(sandbox, '/_control/post', { body: { as: 'nobody@x', chatId, content: 'x' } });
    expect(refused.status).toBe(404);
    expect((await raw(sandbox, '/_control/bogus', { body: {} })).status).toBe(404);
    const snapshot = await raw(sandbox, '/_control/inspect');
    expect(snapshot.json()).toMatchObject({ chats: 1, messages: 1 });
    expect(sandbox.inspect.messages({ chatId })).toHaveLength(1);
  });
});
