import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execForm, instructionsOf, keyValuePairs, readDockerfile, splitFlags, type Stage } from './dockerfile';

const root = path.resolve(__dirname, '../..');
const dockerfile = readDockerfile(path.join(root, 'docker/Dockerfile'));
const nvmrcMajor = readFileSync(path.join(root, '.nvmrc'), 'utf8').trim().replace(/^v/, '').split('.')[0];

function stage(name: string): Stage {
  const found = dockerfile.stages.find((s) => s.name === name);
  if (!found) throw new Error(`docker/Dockerfile: no stage "${name}" (has ${dockerfile.stages.map((s) => s.name).join(', ')})`);
  return found;
}

/** RUN lines of a stage as { flags, command }. */
function runs(name: string) {
  return instructionsOf(stage(name), 'RUN').map((run) => {
    const { flags, rest } = splitFlags(run.args);
    return { flags, command: rest, line: run.line };
  });
}

const runtime = () => stage('runtime');

describe('docker/Dockerfile', () => {
  it('has the deps, build, prod-deps and runtime stages, runtime last (the default target)', () => {
    const names = dockerfile.stages.map((s) => s.name);
    expect(['deps', 'build', 'prod-deps', 'runtime'].filter((name) => !names.includes(name)).map((name) => `stage ${name}: missing`)).toEqual([]);
    expect(names[names.length - 1]).toBe('runtime');
  });

  it(`uses the Node major of .nvmrc (${nvmrcMajor}) and of package.json engines`, () => {
    const nodeImages = dockerfile.stages.map((s) => s.image).filter((image) => image.startsWith('node:'));
    expect(nodeImages.length).toBeGreaterThan(0);
    expect(nodeImages.filter((image) => image.split(':')[1].split(/[.-]/)[0] !== nvmrcMajor).map((image) => `FROM ${image}: not Node ${nvmrcMajor}`)).toEqual([]);
    const engines = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).engines?.node ?? '';
    expect(`engines.node ${engines} starts at major ${/>=\s*(\d+)/.exec(engines)?.[1]}`).toBe(`engines.node ${engines} starts at major ${nvmrcMajor}`);
  });

  it('installs every dependency from the lockfile with a cache mount in deps, and only runtime ones in prod-deps', () => {
    const problems: string[] = [];
    const ci = (name: string) => runs(name).filter((run) => /\bnpm ci\b/.test(run.command));
    const [deps] = ci('deps');
    const [prod] = ci('prod-deps');
    if (!deps) problems.push('deps: no `npm ci`');
    else {
      if (/--omit=dev|--production/.test(deps.command)) problems.push('deps: `npm ci` leaves dev dependencies out, the build needs them');
      if (!(deps.flags['mount'] ?? []).some((m) => m.includes('type=cache'))) problems.push('deps: `npm ci` without --mount=type=cache');
    }
    if (!prod) problems.push('prod-deps: no `npm ci`');
    else if (!prod.command.includes('--omit=dev')) problems.push('prod-deps: `npm ci` without --omit=dev');
    for (const name of ['deps', 'prod-deps']) {
      const copied = instructionsOf(stage(name), 'COPY').map((copy) => copy.args).join(' ');
      if (!copied.includes('package-lock.json')) problems.push(`${name}: does not copy package-lock.json before npm ci`);
    }
    if (!runs('build').some((run) => run.command.includes('npm run build'))) problems.push('build: no `npm run build`');
    expect(problems).toEqual([]);
  });

  it('copies only dist/ from build and node_modules from prod-deps into runtime', () => {
    const copies = instructionsOf(runtime(), 'COPY').map((copy) => {
      const { flags, rest } = splitFlags(copy.args);
      return { from: flags['from']?.[0], sources: rest.split(/\s+/).slice(0, -1) };
    });
    const fromStages = copies.filter((copy) => copy.from !== undefined).map((copy) => `${copy.from}:${copy.sources.join(',')}`);
    expect(fromStages.sort()).toEqual(['build:/app/dist', 'prod-deps:/app/node_modules']);
    // From the build context only package.json (no sources, no `COPY . .`).
    expect(copies.filter((copy) => copy.from === undefined).flatMap((copy) => copy.sources)).toEqual(['package.json']);
  });

  it('runs as a non-root user with NODE_ENV=production and APP kept as an ENV', () => {
    const problems: string[] = [];
    const users = instructionsOf(runtime(), 'USER').map((user) => user.args.trim());
    const lastUser = users[users.length - 1];
    if (!lastUser || /^(root|0)(:|$)/.test(lastUser)) problems.push(`runtime.USER: is ${lastUser ?? 'unset (root)'}, expected a non-root user`);
    const env = Object.assign({}, ...instructionsOf(runtime(), 'ENV').map((line) => keyValuePairs(line.args)));
    if (env['NODE_ENV'] !== 'production') problems.push(`runtime.ENV NODE_ENV: is ${env['NODE_ENV'] ?? 'unset'}, expected production`);
    if (env['APP'] !== '${APP}') problems.push(`runtime.ENV APP: is ${env['APP'] ?? 'unset'}, expected \${APP} (the build argument)`);
    const args = Object.assign({}, ...instructionsOf(runtime(), 'ARG').map((line) => keyValuePairs(line.args)));
    if (args['APP'] !== 'gateway') problems.push(`runtime.ARG APP: default is ${args['APP'] ?? 'unset'}, expected gateway`);
    expect(problems).toEqual([]);
  });

  it('exposes its port, checks /healthz with node itself, stops on SIGTERM', () => {
    const problems: string[] = [];
    const [healthcheck] = instructionsOf(runtime(), 'HEALTHCHECK');
    const probe = healthcheck ? execForm(splitFlags(healthcheck.args).rest.replace(/^CMD\s+/, '')) : undefined;
    if (!probe) problems.push('runtime.HEALTHCHECK: missing or not in exec form');
    else if (probe[0] !== 'node' || !probe.join(' ').includes('/healthz')) problems.push(`runtime.HEALTHCHECK: expected node probing /healthz, got ${probe.join(' ')}`);
    if (instructionsOf(runtime(), 'EXPOSE').length === 0) problems.push('runtime.EXPOSE: missing');
    const stopSignal = instructionsOf(runtime(), 'STOPSIGNAL')[0]?.args.trim();
    if (stopSignal !== 'SIGTERM') problems.push(`runtime.STOPSIGNAL: is ${stopSignal ?? 'unset'}, expected SIGTERM`);
    expect(problems).toEqual([]);
  });

  it('starts dist/apps/${APP}/src/main.js with source maps through a shell that execs node', () => {
    const cmd = instructionsOf(runtime(), 'CMD');
    const argv = cmd.length === 1 ? execForm(cmd[0].args) : undefined;
    const line = argv?.slice(2).join(' ') ?? '';
    const problems: string[] = [];
    // Shell form leaves /bin/sh as PID 1, which does not pass SIGTERM on; exec form alone does not expand ${APP}.
    if (!argv) problems.push(`runtime.CMD: expected one CMD in exec form, found ${cmd.map((c) => c.args).join(' | ') || 'none'}`);
    else if (argv[0] !== '/bin/sh' || argv[1] !== '-c' || argv.length !== 3) problems.push(`runtime.CMD: expected ["/bin/sh", "-c", "exec node ..."], got ${cmd[0].args}`);
    else if (!/^exec node --enable-source-maps "?dist\/apps\/\$\{?APP\}?\/src\/main\.js"?$/.test(line)) {
      problems.push(`runtime.CMD: expected exec node --enable-source-maps dist/apps/\${APP}/src/main.js, got ${line}`);
    }
    expect(problems).toEqual([]);
  });
});

describe('.dockerignore', () => {
  const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it.each(['node_modules', 'dist', '.nx', '.parley', '.sandbox', '.git', 'coverage'])('keeps %s out of the build context', (entry) => {
    expect(ignored.some((line) => line.replace(/^(\*\*\/|\/)/, '').replace(/\/$/, '') === entry)).toBe(true);
  });
});
