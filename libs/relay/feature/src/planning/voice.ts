import type { TwinMember } from './twin-membership';

/** Who a delivery speaks as, and who sees it (the connector's fallback posts to each of them). */
export interface Voice {
  readonly senderPersonId: string;
  readonly senderDisplayName: string;
  readonly recipientPlatformUserIds: string[];
}

/**
 * The author speaks, as themselves on the other side (their guest, mirror or consented account; the connector picks
 * the app's voice when it cannot). Everyone else in the twin is a recipient, by their target-side id.
 */
export function chooseVoice(members: readonly TwinMember[], senderPersonId: string): Voice {
  const sender = members.find((m) => m.personId === senderPersonId);
  if (!sender) throw new Error('the sender is not a member of the twin');
  return {
    senderPersonId,
    senderDisplayName: sender.displayName,
    recipientPlatformUserIds: [...new Set(members.filter((m) => m.personId !== senderPersonId).map((m) => m.targetUserId))],
  };
}
