import { z } from 'zod';
import { connectionView } from '@parley/internal-api';

/** identity's list of an org's connections (`GET /internal/orgs/{org}/connections`), answered as is. */
export const connectionList = z.object({ items: z.array(connectionView) });
export type ConnectionList = z.infer<typeof connectionList>;
