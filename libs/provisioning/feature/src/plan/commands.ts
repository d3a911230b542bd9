import {
  SlackMirrorCreateRequestedV1,
  SlackMirrorDeactivateRequestedV1,
  TeamsGuestCreateRequestedV1,
  TeamsGuestDisableRequestedV1,
} from '@parley/contracts';
import type { BusEntry } from '@parley/messaging';
import type { PlannedCommand, TaskAction } from './plan-person';

/** The topic each task action is commanded on. */
export const commandTopics = {
  create_guest: TeamsGuestCreateRequestedV1.name,
  create_mirror: SlackMirrorCreateRequestedV1.name,
  disable_guest: TeamsGuestDisableRequestedV1.name,
  deactivate_mirror: SlackMirrorDeactivateRequestedV1.name,
} as const satisfies Record<TaskAction, string>;

/** A planned command as an outbox entry. */
export function commandEntry(command: PlannedCommand): BusEntry {
  switch (command.action) {
    case 'create_guest':
      return { topic: TeamsGuestCreateRequestedV1.name, payload: command.payload };
    case 'create_mirror':
      return { topic: SlackMirrorCreateRequestedV1.name, payload: command.payload };
    case 'disable_guest':
      return { topic: TeamsGuestDisableRequestedV1.name, payload: command.payload };
    case 'deactivate_mirror':
      return { topic: SlackMirrorDeactivateRequestedV1.name, payload: command.payload };
  }
}

/** A command stored with its task (jsonb), read back for a retry and checked against its topic's schema again. */
export function storedCommand(action: TaskAction, stored: unknown): PlannedCommand {
  switch (action) {
    case 'create_guest':
      return { action, payload: TeamsGuestCreateRequestedV1.schema.parse(stored) };
    case 'create_mirror':
      return { action, payload: SlackMirrorCreateRequestedV1.schema.parse(stored) };
    case 'disable_guest':
      return { action, payload: TeamsGuestDisableRequestedV1.schema.parse(stored) };
    case 'deactivate_mirror':
      return { action, payload: SlackMirrorDeactivateRequestedV1.schema.parse(stored) };
  }
}
