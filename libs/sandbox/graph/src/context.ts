import type { TokenRegistry } from './auth/token-registry';
import type { Faults } from './control/faults';
import type { Inspection } from './control/inspection';
import type { Notifier } from './notifications/notifier';
import type { ValidationTokenSigner } from './notifications/validation-token';
import type { Store } from './state/store';
import type { Throttle } from './throttling/throttle';

/** What every handler gets: the state and the services around it. One per running sandbox. */
export interface SandboxContext {
  readonly store: Store;
  readonly tokens: TokenRegistry;
  readonly throttle: Throttle;
  readonly faults: Faults;
  readonly notifier: Notifier;
  readonly inspection: Inspection;
  /** Signs notifications' validationTokens; its JWKS is served at /common/discovery/v2.0/keys. */
  readonly signer: ValidationTokenSigner;
  /** https://127.0.0.1:PORT, used for absolute links (nextLink, deltaLink, Location, redeem URLs). */
  readonly baseUrl: () => string;
}
