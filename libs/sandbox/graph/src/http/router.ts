import type { GraphRequest, GraphResponse } from './exchange';

export type RouteParams = Record<string, string>;
export type RouteHandler<C> = (request: GraphRequest, params: RouteParams, context: C) => GraphResponse | Promise<GraphResponse>;

interface Route<C> {
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly handler: RouteHandler<C>;
}

/**
 * A minimal path router. Patterns are like `/chats/{chatId}/messages/{messageId}`; a parameter also matches the
 * OData key form `chats('19:...')`, which Graph accepts and notification resources use.
 */
export class Router<C> {
  private readonly routes: Route<C>[] = [];

  add(method: string, path: string, handler: RouteHandler<C>): this {
    const names: string[] = [];
    const source = path
      .split('/')
      .map((segment) => {
        const match = /^\{(\w+)\}$/.exec(segment);
        if (!match) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(match[1] as string);
        return '([^/]+)';
      })
      .join('/');
    this.routes.push({ method, pattern: new RegExp(`^${source}/?$`, 'i'), names, handler });
    return this;
  }

  /**
   * A route whose path a template cannot say: a drive item addressed by path (`root:/a/b/c.png:/content`), where
   * one parameter spans several segments. Named groups of the expression become the params.
   */
  addPattern(method: string, pattern: RegExp, handler: RouteHandler<C>): this {
    this.routes.push({ method, pattern, names: [], handler });
    return this;
  }

  /** The handler for a request, or why there is none (404 for an unknown path, 405 for a known path). */
  match(method: string, path: string): { handler: RouteHandler<C>; params: RouteParams } | 'not-found' | 'method-not-allowed' {
    const normalized = path.replace(/%27/gi, "'").replace(/\(\s*'([^']*)'\s*\)/g, (_m, key: string) => `/${encodeURIComponent(key)}`);
    let pathMatched = false;
    for (const route of this.routes) {
      const match = route.pattern.exec(normalized);
      if (!match) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: RouteParams = {};
      route.names.forEach((name, i) => {
        params[name] = safeDecode(match[i + 1] as string);
      });
      for (const [name, value] of Object.entries(match.groups ?? {})) if (value !== undefined) params[name] = safeDecode(value);
      return { handler: route.handler, params };
    }
    return pathMatched ? 'method-not-allowed' : 'not-found';
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
