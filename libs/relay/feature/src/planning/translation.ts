import { createHash } from 'node:crypto';
import type { Payload } from '@parley/contracts';
import { escapeSlack, slackToTeams, splitForSlack, splitForTeams, teamsToSlack, type TeamsMention } from '@parley/relay-formatting';
import { mentionTarget, type PersonLookup, type Platform } from './people';

type SourceBody = NonNullable<Payload<'parley.message.received.v1'>['body']>;
/** One part of a message as the target platform takes it. */
export type TargetBody = NonNullable<Payload<'parley.teams.message.deliver.requested.v1'>['body']>;

const SLACK_MENTION = /<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g;

/** Platform user ids the body mentions, to be looked up with the members in one call. */
export function mentionedUserIds(body: SourceBody | undefined): string[] {
  if (!body) return [];
  if (body.format === 'slack-mrkdwn') return [...body.content.matchAll(SLACK_MENTION)].map((m) => m[1] as string);
  if (body.format === 'teams-html') return (body.mentions ?? []).flatMap((m) => (m.userId ? [m.userId] : []));
  return [];
}

/**
 * The body in the target platform's format, split into parts that each fit one post. A mention of a person with an
 * account on the target side becomes a mention of that account; anyone else becomes plain text. Plain text is escaped
 * first, so nothing typed can become markup.
 */
export function translateBody(body: SourceBody, source: Platform, lookup: PersonLookup): TargetBody[] {
  if (source === 'slack') {
    const mrkdwn = body.format === 'plain' ? escapeSlack(body.content) : body.content;
    const { html, mentions } = slackToTeams(mrkdwn, {
      resolveSlackUser: (id) => {
        const person = lookup(id);
        return person ? { displayName: person.displayName, teamsUserId: mentionTarget(person, 'slack', id) } : undefined;
      },
    });
    if (html.trim() === '') return [];
    return splitForTeams(html, mentions).map((part) => ({
      format: 'teams-html' as const,
      content: part.html,
      ...(part.mentions.length > 0 ? { mentions: part.mentions.map(toContractMention) } : {}),
    }));
  }
  const text =
    body.format === 'plain'
      ? escapeSlack(body.content)
      : teamsToSlack(body.content, (body.mentions ?? []).map(toGraphMention), {
          resolveTeamsUser: (id) => {
            const person = lookup(id);
            return person ? { displayName: person.displayName, slackUserId: mentionTarget(person, 'teams', id) } : undefined;
          },
        }).text;
  if (text.trim() === '') return [];
  return splitForSlack(text).map((content) => ({ format: 'slack-mrkdwn' as const, content }));
}

/** SHA-256 of what a part says, the only trace of its content the relay keeps (relay.md, Privacy). */
export function contentHash(body: TargetBody | undefined): string | null {
  if (!body) return null;
  return createHash('sha256').update(body.format).update('\0').update(body.content).update('\0').update(JSON.stringify(body.mentions ?? [])).digest('hex');
}

function toGraphMention(m: { id: number; mentionText: string; userId?: string }): TeamsMention {
  return { id: m.id, mentionText: m.mentionText, mentioned: m.userId ? { user: { id: m.userId } } : {} };
}

function toContractMention(m: TeamsMention): { id: number; mentionText: string; userId?: string } {
  const userId = m.mentioned.user?.id;
  return { id: m.id, mentionText: m.mentionText, ...(userId ? { userId } : {}) };
}
