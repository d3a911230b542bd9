import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Slack's v0 request signature: `v0=` + hex HMAC-SHA256(signing secret, `v0:{timestamp}:{raw body}`).
 * Exported so tests can sign requests (or check the sandbox's) without sharing code with a receiver.
 */
export function signSlackRequest(secret: string, timestamp: number | string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** Constant-time comparison of a received signature against the expected one. */
export function slackSignatureMatches(secret: string, timestamp: number | string, body: string, signature: string): boolean {
  const expected = Buffer.from(signSlackRequest(secret, timestamp, body));
  const received = Buffer.from(signature);
  return expected.length === received.length && timingSafeEqual(expected, received);
}
