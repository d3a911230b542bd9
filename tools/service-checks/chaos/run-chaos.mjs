// `npm run chaos -- --seed N [--messages N] [--rate N] [--replicas N] [--kills N] [--platform-faults N]` (CHAOS_LOG_DIR=dir keeps every process's log): the chaos run for one seed (the same seed replays the same
// faults). Figures are printed and written to dist/chaos/<seed>.json.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureInfra } from '../../infra/infra.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' }, messages: { type: 'string', default: '10000' }, rate: { type: 'string', default: '20' }, replicas: { type: 'string', default: '2' }, kills: { type: 'string', default: '2' }, 'platform-faults': { type: 'string', default: '2' } } });
for (const [name, value] of Object.entries(values)) {
  if (!/^\d+$/.test(value)) {
    console.error(`--${name} must be a whole number, not "${value}"`);
    process.exit(2);
  }
}
const infra = await ensureInfra();
const result = spawnSync(path.join(root, 'node_modules', '.bin', 'jest'), ['-c', 'tools/service-checks/jest.chaos.config.cjs', '--runInBand', '--forceExit'], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    ...infra.env,
    CHAOS_SEED: values.seed,
    CHAOS_MESSAGES: values.messages,
    CHAOS_RATE: values.rate,
    CHAOS_REPLICAS: values.replicas,
    CHAOS_KILLS_PER_APP: values.kills,
    CHAOS_PLATFORM_FAULTS: values['platform-faults'],
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --no-warnings`.trim(),
  },
});
process.exit(result.status ?? 1);
