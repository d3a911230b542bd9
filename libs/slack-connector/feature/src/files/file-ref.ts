/**
 * slack-connector's handle for a Slack file it names on the bus (`SharedFile.ref`, ADR 0039 and 0040): the file's id,
 * and whose installation saw it — `F…` alone when the bot did, `F….U…` when the event came through a person's
 * installation (a DM the bot is not in), so the file is later read with the token that can see it. Ids only: no row
 * to keep or expire, and nothing in it a caller could not already learn from the message it came with.
 */
export interface SlackFileRef {
  readonly fileId: string;
  /** The Slack user whose user token reads it; undefined: the bot's token. */
  readonly readerUserId?: string;
}

const REF = /^(F[A-Z0-9]{2,40})(?:\.([UW][A-Z0-9]{2,40}))?$/;

export function encodeFileRef(ref: SlackFileRef): string {
  return ref.readerUserId ? `${ref.fileId}.${ref.readerUserId}` : ref.fileId;
}

/** Undefined for anything that is not one of ours (the route answers 404, as for a file that is gone). */
export function parseFileRef(value: string): SlackFileRef | undefined {
  const match = REF.exec(value);
  if (!match) return undefined;
  return match[2] ? { fileId: match[1] as string, readerUserId: match[2] } : { fileId: match[1] as string };
}

/**
 * Whether Parley may send a Slack token to a file URL Slack named: only to Slack's own hosts over https, or to the
 * host of the connection's API URL (the sandbox, a proxy). A token must never follow a URL elsewhere.
 */
export function isTrustedFileUrl(url: string, apiUrl: string): boolean {
  let target: URL;
  let api: URL;
  try {
    target = new URL(url);
    api = new URL(apiUrl);
  } catch {
    return false;
  }
  if (target.origin === api.origin) return true;
  return target.protocol === 'https:' && (target.hostname === 'files.slack.com' || target.hostname.endsWith('.slack.com') || target.hostname.endsWith('.slack-edge.com'));
}
