import { z } from 'zod';
import { freeText } from '../text.js';
import type { PaymentGateway } from './port.js';

/**
 * A gateway kind: everything cardbridge knows about one sort of gateway, in one module. The
 * API keeps ONE list of kinds (`packages/api/src/gateways/kinds.ts`); a new kind is its own
 * module (usually its own package) plus one line in that list. See docs/architecture.md,
 * "Where things go".
 *
 * An account of a kind stores (`gateway_accounts`):
 * - `kind`: the kind's name;
 * - sealed credentials: the JSON of `credentials`, sealed by the tenant's vault (never shown);
 * - a credentials hint (e.g. the last four characters of a secret key; shown);
 * - `config`: the kind's non-secret config document (jsonb), validated by `config`.
 */

/** What a gateway account can be asked to do; the API refuses a call its account lacks. */
export const gatewayCapabilities = [
  /** Look a card up at the gateway by its id and keep a reference (import). */
  'import',
  /** Create a card from a gateway token (`tok_…`, `pm_…`). */
  'token',
  /** Create a card from its full number (vaulted cards, replace). */
  'rawCard',
  /** Charge a card (replace with collection). */
  'charge',
  /** Refund a charge (compensation of a charge). */
  'refund',
  /** Receive a copy of a vaulted card (export). */
  'exportTarget',
  /** Act on a connected account (Stripe Connect import). */
  'connect',
] as const;
export type GatewayCapability = (typeof gatewayCapabilities)[number];

/** What the host gives every factory; a kind may ask for more (its `Runtime` parameter). */
export interface GatewayRuntime {
  tenantId: number;
  gatewayAccountId: number;
  /** Per request timeout of a remote gateway. */
  timeoutMs: number;
  /** Overall deadline of one call across its retries. */
  deadlineMs?: number;
  maxRetries?: number;
  /** How adapters wait between retries (tests: no wait). */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Awaited before every request a remote adapter sends, retries included: a bulk job's
   * shared request budget for the account (see @cardbridge/jobs `RateBudget`).
   */
  throttle?: () => Promise<void>;
  /** Told when the gateway answered 429, with its Retry-After: the budget backs off for everyone. */
  onRateLimited?: (retryAfterMs: number | undefined) => void;
}

/** What the gateway account DTO shows of a kind's config (the API contract predates kinds). */
export interface GatewayAccountView {
  livemode: boolean;
  connectedAccountId: string | null;
  apiBase: string | null;
}

/** What a create input becomes: the sealed part, the stored part, and what to call the account. */
export interface GatewayAccountSetup<Credentials, Config> {
  credentials: Credentials | null;
  config: Config;
  /** Shown instead of the credentials (e.g. the secret key's last 4); null when none. */
  credentialsHint: string | null;
  defaultName: string;
}

export interface GatewayKindModule<
  Credentials = unknown,
  Config = unknown,
  Fields extends z.ZodRawShape = z.ZodRawShape,
  Runtime extends GatewayRuntime = GatewayRuntime,
  Types extends readonly [string, ...string[]] = readonly [string, ...string[]],
> {
  /** Stored in `gateway_accounts.kind`. */
  readonly kind: string;
  /**
   * The names a create input may give as `type`. The first is the `type` the account DTO
   * shows (the sandbox keeps showing 'test': the API contract is older than the kinds).
   */
  readonly inputTypes: Types;
  /** The kind's own fields of the create input, besides `type`, `name` and `isDefault`. */
  readonly inputFields: Fields;
  /** The sealed credentials (JSON before sealing); null when the kind has none. */
  readonly credentials: z.ZodType<Credentials> | null;
  /** The non-secret config document. */
  readonly config: z.ZodType<Config>;
  /** Turns a validated create input (the kind's fields) into what is stored. */
  setup(fields: z.output<z.ZodObject<Fields>>): GatewayAccountSetup<Credentials, Config>;
  /** Some capabilities depend on the config (Connect only with a connected account). */
  capabilities(config: Config): readonly GatewayCapability[];
  /** The DTO's view of the config. */
  view(config: Config): GatewayAccountView;
  /**
   * A URL other than the gateway's own the account sends credentials (and, on export, card
   * numbers) to: the host's allow-list must accept it, at create and at every use. `field`
   * names the create input field it came from (for the refusal).
   */
  endpointOverride?(config: Config): { url: string; field: string } | null;
  /**
   * Credentials sealed before the kind seam: the sealed plaintext was not JSON (Stripe: the bare
   * secret key). Only kinds that had such rows implement it.
   */
  legacyCredentials?(plaintext: string): Credentials;
  /** The adapter. Called once per account and credentials version; the host caches it. */
  create(
    credentials: Credentials | null,
    config: Config,
    runtime: Runtime,
  ): PaymentGateway | Promise<PaymentGateway>;
}

/** Any kind, as the registry holds it. */
// biome-ignore-start lint/suspicious/noExplicitAny: the registry holds kinds of every credentials, config and fields type
export type AnyGatewayKind<Runtime extends GatewayRuntime = GatewayRuntime> = GatewayKindModule<
  any,
  any,
  any,
  Runtime
>;
// biome-ignore-end lint/suspicious/noExplicitAny: see above

/** Declares a kind with its types inferred (an identity function). */
export const defineGatewayKind = <
  Credentials,
  Config,
  const Fields extends z.ZodRawShape,
  const Types extends readonly [string, ...string[]],
  Runtime extends GatewayRuntime = GatewayRuntime,
>(
  kind: GatewayKindModule<Credentials, Config, Fields, Runtime, Types>,
): GatewayKindModule<Credentials, Config, Fields, Runtime, Types> => kind;

const accountName = () => freeText().trim().min(1).max(100);

/**
 * The create input of one kind: `{ type, name?, isDefault?, ...its fields }`, strict. The API's
 * input is the discriminated union of these over its kinds.
 */
export type GatewayKindCreateInput<
  Types extends readonly [string, ...string[]],
  Fields extends z.ZodRawShape,
> = z.ZodObject<
  z.core.util.Extend<
    {
      type: z.ZodEnum<{ [K in Types[number]]: K }>;
      name: z.ZodOptional<ReturnType<typeof accountName>>;
      isDefault: z.ZodDefault<z.ZodBoolean>;
    },
    Fields
  >,
  z.core.$strict
>;

export function gatewayKindCreateInput<
  const Types extends readonly [string, ...string[]],
  Fields extends z.ZodRawShape,
>(kind: { inputTypes: Types; inputFields: Fields }): GatewayKindCreateInput<Types, Fields> {
  return z
    .strictObject({
      type: z.enum(kind.inputTypes),
      name: accountName().optional(),
      isDefault: z.boolean().default(false),
    })
    .extend(kind.inputFields) as unknown as GatewayKindCreateInput<Types, Fields>;
}
