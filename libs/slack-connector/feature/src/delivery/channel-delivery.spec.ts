import { isChannelDelivery } from './message-delivery';

describe('isChannelDelivery', () => {
  it('is a linked channel when the target exists and no one is named to receive a fallback', () => {
    expect(isChannelDelivery({ target: { kind: 'existing', conversationId: 'C1' }, recipientPlatformUserIds: [] })).toBe(true);
    // A DM or group DM names its recipients: their fallback goes to each one's DM with the app.
    expect(isChannelDelivery({ target: { kind: 'existing', conversationId: 'D1' }, recipientPlatformUserIds: ['U1'] })).toBe(false);
    expect(isChannelDelivery({ target: { kind: 'open', conversationKind: 'dm', memberPlatformUserIds: ['U1', 'U2'] }, recipientPlatformUserIds: [] })).toBe(false);
  });
});
