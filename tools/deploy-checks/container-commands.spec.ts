import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serviceNames } from '@parley/service-runtime';
import { healthcheckArgv, loadComposeFile } from './compose-file';
import { execForm, instructionsOf, readDockerfile, splitFlags } from './dockerfile';

// The commands the image and compose run (healthchecks, CMD) are executed here with this machine's Node, against a
// stand-in HTTP server, since no Docker engine is at hand to run them in a container.

const root = path.resolve(__dirname, '../..');
const runtime = readDockerfile(path.join(root, 'docker/Dockerfile')).stages.find((stage) => stage.name === 'runtime');
const compose = loadComposeFile(path.join(root, 'docker/compose.yaml'));

interface Exit {
  readonly code: number | null;
  readonly pid: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

function run(argv: readonly string[], env: Record<string, string>, cwd = root): Promise<Exit> {
  // The image's `node` is this machine's node; /bin/sh is the same POSIX shell.
  const [command, ...args] = argv[0] === 'node' ? [process.execPath, ...argv.slice(1)] : argv;
  const child = spawn(command, args, { cwd, env: { PATH: path.dirname(process.execPath) + path.delimiter + (process.env['PATH'] ?? ''), ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, pid: child.pid, stdout, stderr }));
  });
}

/** A stand-in service: 200 on `okPath` while healthy, 503 otherwise. */
async function standIn(okPath: string): Promise<{ port: number; setHealthy(healthy: boolean): void; close(): Promise<void> }> {
  let healthy = true;
  const server: Server = createServer((request, response) => {
    response.statusCode = healthy && request.url === okPath ? 200 : 503;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    setHealthy: (value) => (healthy = value),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function unusedPort(): Promise<number> {
  const probe = await standIn('/');
  await probe.close();
  return probe.port;
}

/** Runs a probe against a healthy, an unhealthy and an absent service; the exit codes must say 0, 1, 1. */
async function probeExitCodes(argv: readonly string[], okPath: string): Promise<Array<number | null>> {
  const service = await standIn(okPath);
  try {
    const healthy = await run(argv, { HTTP_PORT: String(service.port) });
    service.setHealthy(false);
    const unhealthy = await run(argv, { HTTP_PORT: String(service.port) });
    const absent = await run(argv, { HTTP_PORT: String(await unusedPort()) });
    return [healthy.code, unhealthy.code, absent.code];
  } finally {
    await service.close();
  }
}

describe('docker/Dockerfile runtime commands', () => {
  it('HEALTHCHECK passes while /healthz answers 200 and fails on 503 or no answer', async () => {
    const [healthcheck] = runtime ? instructionsOf(runtime, 'HEALTHCHECK') : [];
    const argv = healthcheck && execForm(splitFlags(healthcheck.args).rest.replace(/^CMD\s+/, ''));
    if (!argv) throw new Error('runtime.HEALTHCHECK: missing or not in exec form');
    expect(await probeExitCodes(argv, '/healthz')).toEqual([0, 1, 1]);
  });

  it('CMD runs dist/apps/$APP/src/main.js with source maps, as the process the container signals', async () => {
    const [cmd] = runtime ? instructionsOf(runtime, 'CMD') : [];
    const argv = cmd && execForm(cmd.args);
    if (!argv) throw new Error('runtime.CMD: missing or not in exec form');
    const workdir = mkdtempSync(path.join(tmpdir(), 'parley-cmd-'));
    try {
      mkdirSync(path.join(workdir, 'dist/apps/relay/src'), { recursive: true });
      writeFileSync(
        path.join(workdir, 'dist/apps/relay/src/main.js'),
        'console.log(JSON.stringify({ pid: process.pid, main: require.main === module, sourceMaps: process.execArgv.includes("--enable-source-maps") }));',
      );
      const exit = await run(argv, { APP: 'relay' }, workdir);
      expect(exit.stderr).toBe('');
      // Same pid as the spawned process: the shell exec'd node, so SIGTERM from Docker reaches the service.
      expect(JSON.parse(exit.stdout)).toEqual({ pid: exit.pid, main: true, sourceMaps: true });
    } finally {
      rmSync(workdir, { recursive: true, force: true });
    }
  });
});

describe('docker/compose.yaml healthchecks', () => {
  // Services that share a healthcheck (the anchor) share one run; a missing healthcheck is compose.spec's to report.
  const byCommand = new Map<string, { argv: string[]; names: string[] }>();
  for (const name of serviceNames) {
    const argv = compose.services[name] && healthcheckArgv(compose.services[name]);
    if (!argv) continue;
    const key = JSON.stringify(argv);
    byCommand.set(key, { argv, names: [...(byCommand.get(key)?.names ?? []), name] });
  }

  it.each([...byCommand.values()].map(({ argv, names }) => [names.join(', '), argv] as const))(
    '%s: passes while /readyz answers 200 and fails on 503 or no answer',
    async (_names, argv) => {
      expect(await probeExitCodes(argv, '/readyz')).toEqual([0, 1, 1]);
    },
  );
});
