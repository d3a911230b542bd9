import { z } from 'zod';
import { badRequest } from '../http/graph-error';
import type { ChatMessage } from '../state/model';
import type { Store } from '../state/store';
import type { NewMessage } from './message-actions';

const bodySchema = z.object({ contentType: z.enum(['text', 'html']).optional(), content: z.string() });

const messageSchema = z.object({
  body: bodySchema,
  subject: z.string().nullable().optional(),
  importance: z.enum(['normal', 'high', 'urgent']).optional(),
  mentions: z
    .array(
      z.object({
        id: z.number().int().min(0),
        mentionText: z.string(),
        mentioned: z.object({ user: z.object({ id: z.string(), displayName: z.string().nullable().optional(), userIdentityType: z.string().optional() }) }),
      }),
    )
    .optional(),
  attachments: z.array(z.unknown()).optional(),
  hostedContents: z
    .array(z.object({ '@microsoft.graph.temporaryId': z.string().min(1), contentBytes: z.string().min(1), contentType: z.string().min(1) }))
    .optional(),
});

function invalid(error: z.ZodError): never {
  const issue = error.issues[0];
  throw badRequest(`Invalid value for property '${issue?.path.join('.') ?? ''}' of resource 'chatMessage': ${issue?.message ?? 'invalid'}.`);
}

/** Validates a POST message body the way Graph does (mentions must match `<at id="n">` tags in HTML content). */
export function parseNewMessage(raw: unknown, store: Store, tenantId: string): Omit<NewMessage, 'container' | 'fromUserId' | 'replyToId'> {
  const parsed = messageSchema.safeParse(raw);
  if (!parsed.success) invalid(parsed.error);
  const input = parsed.data;
  const contentType = input.body.contentType ?? 'text';
  if (!input.body.content.trim() && !(input.attachments?.length)) throw badRequest('Message body cannot be empty.');
  const mentions: ChatMessage['mentions'] = [];
  for (const mention of input.mentions ?? []) {
    if (contentType !== 'html') throw badRequest('Mentions require body.contentType html.');
    if (!input.body.content.includes(`<at id="${mention.id}">`)) throw badRequest(`Mention with id ${mention.id} has no matching <at id="${mention.id}"> tag in the message body.`);
    const user = store.findUser(tenantId, mention.mentioned.user.id);
    if (!user) throw badRequest(`Mentioned user ${mention.mentioned.user.id} was not found.`);
    mentions.push({ id: mention.id, mentionText: mention.mentionText, mentioned: { user: { id: user.id, displayName: user.displayName, userIdentityType: 'aadUser' } } });
  }
  const hostedContents = (input.hostedContents ?? []).map((item) => {
    const temporaryId = item['@microsoft.graph.temporaryId'];
    if (!input.body.content.includes(`../hostedContents/${temporaryId}/$value`)) throw badRequest(`Hosted content ${temporaryId} is not referenced in the message body.`);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(item.contentBytes)) throw badRequest(`Hosted content ${temporaryId}: contentBytes is not base64.`);
    return { temporaryId, contentType: item.contentType, bytes: Buffer.from(item.contentBytes, 'base64') };
  });
  return {
    body: { contentType, content: input.body.content },
    subject: input.subject ?? null,
    importance: input.importance ?? 'normal',
    mentions,
    attachments: input.attachments ?? [],
    hostedContents,
  };
}

export function parseEditBody(raw: unknown): { contentType: 'text' | 'html'; content: string } {
  const parsed = z.object({ body: bodySchema }).passthrough().safeParse(raw);
  if (!parsed.success) invalid(parsed.error);
  return { contentType: parsed.data.body.contentType ?? 'text', content: parsed.data.body.content };
}

export function parseReaction(raw: unknown): string {
  const parsed = z.object({ reactionType: z.string().min(1).max(64) }).safeParse(raw);
  if (!parsed.success) invalid(parsed.error);
  return parsed.data.reactionType;
}

/** `https://graph.microsoft.com/v1.0/users('id')` (or any host, or `users/id`) -> id. */
export function boundUserId(value: unknown): string {
  if (typeof value !== 'string') throw badRequest("The 'user@odata.bind' property is required.");
  const match = /users(?:\('([^']+)'\)|\/([^/?]+))\s*$/.exec(value);
  const id = match?.[1] ?? match?.[2];
  if (!id) throw badRequest(`Invalid 'user@odata.bind' value '${value}'.`);
  return decodeURIComponent(id);
}
