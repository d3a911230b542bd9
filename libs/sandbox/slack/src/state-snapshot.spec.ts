import { exportSlackState, restoreSlackState } from './state-snapshot';
import { SlackStore } from './store';

describe('the Slack sandbox state snapshot', () => {
  it('keeps user-token installations across a restart, so consented people stay consented and their tokens work', () => {
    const before = new SlackStore(7);
    const workspace = before.addWorkspace('Acme', 'acme', 'business+');
    const { app } = before.addApp(workspace.id, 'Parley');
    const ada = before.addUser(workspace.id, { name: 'ada', email: 'ada@acme.example' });
    const installed = before.installForUser(app, ada.id, ['chat:write', 'im:history']);

    const saved = JSON.parse(JSON.stringify(exportSlackState(before)));
    const after = new SlackStore(7);
    restoreSlackState(after, saved);

    expect(after.userInstallations(app.id)).toEqual([installed]);
    expect([...(after.tokens.get(installed.token)?.scopes ?? [])].sort()).toEqual(['chat:write', 'im:history']);
    // Authorizing again after the restart adds to the same token, as it would have before it.
    const restoredApp = after.apps.get(app.id);
    if (!restoredApp) throw new Error('the app was not restored');
    expect(after.installForUser(restoredApp, ada.id, ['reactions:write']).token).toBe(installed.token);
  });

  it('restores a state saved before installations existed', () => {
    const before = new SlackStore(7);
    before.addWorkspace('Acme', 'acme', 'business+');
    const { installations: _none, ...older } = exportSlackState(before);
    const after = new SlackStore(7);
    restoreSlackState(after, older);
    expect(after.installations.size).toBe(0);
    expect(after.workspaces.size).toBe(1);
  });
});
