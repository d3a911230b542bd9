/**
 * Scope names the sandbox knows, by who can hold them. `chat:write.customize` and `chat:write.public` exist for bot
 * tokens only; the rest can be asked for as bot scopes (`scope`) or user scopes (`user_scope`).
 */
export const BOT_ONLY_SCOPES: ReadonlySet<string> = new Set(['chat:write.customize', 'chat:write.public']);

export const SHARED_SCOPES: ReadonlySet<string> = new Set([
  'users:read', 'users:read.email', 'channels:read', 'groups:read', 'im:read', 'mpim:read', 'channels:history',
  'groups:history', 'im:history', 'mpim:history', 'channels:manage', 'channels:write', 'groups:write', 'im:write',
  'mpim:write', 'chat:write', 'reactions:read', 'reactions:write', 'files:read', 'files:write', 'channels:join',
  'users.profile:read',
]);

/** Scopes in an authorize URL: comma-separated (Slack's form), spaces tolerated. */
export function parseScopeList(value: string | null | undefined): string[] {
  return [...new Set((value ?? '').split(/[\s,]+/).filter(Boolean))];
}

/** The first scope that cannot be granted as asked, if any. */
export function invalidScope(botScopes: readonly string[], userScopes: readonly string[]): string | undefined {
  return botScopes.find((s) => !SHARED_SCOPES.has(s) && !BOT_ONLY_SCOPES.has(s)) ?? userScopes.find((s) => !SHARED_SCOPES.has(s));
}
