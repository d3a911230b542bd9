import path from 'node:path';
import { startPlatformSandboxes } from '@parley/sandbox-runner';

/**
 * `npm run sandbox`: the Slack sandbox (Web API under /api/) and the Graph sandbox (HTTPS, Graph under /v1.0/, tokens
 * at /{tenant}/oauth2/v2.0/token), seeded with the demo organization, standalone. Writes the CA certificate and the
 * demo credentials under SANDBOX_DIR (default .sandbox/).
 */
function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    process.stderr.write(`sandbox: config error: ${name}: malformed (expected a port number, got "${raw}")\n`);
    process.exit(78);
  }
  return value;
}

async function main(): Promise<void> {
  const timeScale = Number(process.env['SANDBOX_TIME_SCALE'] ?? '1');
  const sandboxes = await startPlatformSandboxes({
    slackPort: port('SLACK_SANDBOX_PORT', 4010),
    graphPort: port('GRAPH_SANDBOX_PORT', 4020),
    limitsEnabled: process.env['SANDBOX_LIMITS'] !== 'off',
    timeScale: Number.isFinite(timeScale) && timeScale > 0 ? timeScale : 1,
  });
  const files = sandboxes.writeFiles(path.resolve(process.env['SANDBOX_DIR'] ?? '.sandbox'));
  process.stdout.write(
    [
      `Slack sandbox:  ${sandboxes.slack.url} (Web API ${sandboxes.slack.apiUrl})`,
      `Graph sandbox:  ${sandboxes.graph.url} (Graph ${sandboxes.graph.graphUrl})`,
      `CA certificate: ${files.caPath}  (NODE_EXTRA_CA_CERTS=${files.caPath} makes Node trust it)`,
      `Credentials:    ${files.credentialsPath}`,
      '',
    ].join('\n'),
  );
  const stop = () => void sandboxes.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main().catch((error) => {
  process.stderr.write(`sandbox: failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
