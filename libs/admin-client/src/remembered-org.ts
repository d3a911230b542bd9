import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AdminApi } from './admin-api';

/**
 * What a tool that comes back (`npm run demo`) keeps between runs: its organization and that organization's admin key,
 * which the API shows only once, at creation.
 */
export interface RememberedOrg {
  readonly id: string;
  readonly name: string;
  readonly adminApiKey: string;
}

export type RememberedOrgUse = RememberedOrg & { readonly reused: boolean; readonly forgotten?: string };

/** The demo's file under the embedded data folder, owner-only like the operator key next to it. */
export function rememberedOrgFile(dataDir: string, name = 'demo-org.json'): string {
  return path.join(dataDir, name);
}

function read(file: string): RememberedOrg | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<RememberedOrg>;
    if (typeof parsed.id === 'string' && typeof parsed.name === 'string' && typeof parsed.adminApiKey === 'string') return parsed as RememberedOrg;
  } catch {
    // unreadable: made again below
  }
  return undefined;
}

function write(file: string, org: RememberedOrg): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // Written aside and renamed, so an interrupted run never leaves half a key behind.
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(org, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

/**
 * The organization remembered in `file`: the one an earlier run made, if Parley still knows it and its key still opens
 * it; else a new one (first run, or Parley's data was reset), remembered for the next run. `forgotten` says why an
 * earlier one was not reused.
 */
export async function rememberedOrganization(operator: AdminApi, file: string, name: string): Promise<RememberedOrgUse> {
  const remembered = read(file);
  let forgotten: string | undefined;
  if (remembered) {
    const answer = await operator.withKey(remembered.adminApiKey).request<Record<string, unknown>>('GET', `/v1/orgs/${encodeURIComponent(remembered.id)}`);
    if (answer.status === 200) return { ...remembered, reused: true };
    // 401: Parley no longer knows the key; 404: nor the org. Anything else is a real problem, not a reason to start over.
    if (answer.status !== 401 && answer.status !== 404) throw new Error(`checking the remembered organization ${remembered.id} answered ${answer.status}`);
    forgotten = `Parley no longer knows the organization ${remembered.id} remembered in ${file} (answered ${answer.status}; was the data folder reset?)`;
  } else if (existsSync(file)) {
    forgotten = `${file} cannot be read`;
  }
  const created = await operator.createOrg(name);
  const org = { id: created.id, name: created.name, adminApiKey: created.adminApiKey };
  write(file, org);
  return { ...org, reused: false, forgotten };
}
