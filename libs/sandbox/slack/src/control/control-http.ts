import type { SlackControl } from './control';
import type { SlackInspector } from '../inspect';
import type { SlackFaults } from '../faults';
import type { SeedOrganization } from '@parley/sandbox-seed';

/** What the HTTP control surface can reach besides SlackControl itself. */
export interface ControlHttpDeps {
  readonly control: SlackControl;
  readonly inspector: SlackInspector;
  setFaults(faults: SlackFaults): void;
  reset(): void;
  seedDemo(): unknown;
  seed(org: SeedOrganization): unknown;
}

type Body = Record<string, unknown>;

/** POST /_control/<action> with a JSON body: the same calls as the in-process control API. */
export const CONTROL_ROUTES: Record<string, (deps: ControlHttpDeps, body: Body) => unknown> = {
  post: (d, b) => d.control.post(b as never),
  reply: (d, b) => d.control.reply(b as never),
  open: (d, b) => d.control.open(b as never),
  edit: (d, b) => d.control.edit(b as never),
  delete: (d, b) => d.control.delete(b as never),
  react: (d, b) => d.control.react(b as never),
  unreact: (d, b) => d.control.unreact(b as never),
  upload: (d, b) => d.control.upload(b as never),
  deleteFile: (d, b) => d.control.deleteFile(b as never),
  join: (d, b) => d.control.join(b as never),
  leave: (d, b) => d.control.leave(b as never),
  archive: (d, b) => d.control.archive(b as never),
  profile: (d, b) => d.control.changeProfile(b as never),
  deactivate: (d, b) => d.control.deactivate(b as never),
  people: (d, b) => d.control.addPerson(b as never),
  reactivate: (d, b) => d.control.reactivate(b as never),
  channels: (d, b) => d.control.createChannel(b as never),
  tokens: (d, b) => ({ token: d.control.issueToken(b as never) }),
  authorize: (d, b) => ({ code: d.control.authorize(b as never) }),
  approve: (d, b) => d.control.approve(b as never),
  install: (d, b) => ({ token: d.control.installForUser(b as never) }),
  'redirect-urls': (d, b) => d.control.setRedirectUrls(b as never),
  plan: (d, b) => d.control.setPlan(b['plan'] as never, b['teamId'] as string | undefined),
  'events-url': async (d, b) => ({ accepted: await d.control.setEventsUrl(b as never) }),
  faults: (d, b) => d.setFaults(b as SlackFaults),
  reset: (d) => d.reset(),
  'seed-demo': (d) => d.seedDemo(),
};

/** GET /_inspect/<view>. */
export function inspectRoute(inspector: SlackInspector, view: string, query: URLSearchParams): unknown {
  switch (view) {
    case 'messages':
      return inspector.messages(query.get('channel') ?? '');
    case 'users':
      return inspector.users();
    case 'channels':
      return inspector.channels();
    case 'events':
      return inspector.events({ type: query.get('type') ?? undefined, appId: query.get('appId') ?? undefined });
    case 'requests':
      return inspector.requests();
    case 'installations':
      return inspector.installations();
    default:
      return undefined;
  }
}
