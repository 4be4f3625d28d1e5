import {
  type AnyGatewayKind,
  DomainError,
  type GatewayKindCreateInput,
  gatewayKindCreateInput,
} from '@cardbridge/core';
import { sandboxKind } from '@cardbridge/gateway-sandbox';
import { stripeKind } from '@cardbridge/gateway-stripe';
import { z } from 'zod';
import type { ApiGatewayRuntime } from './runtime.js';

/**
 * THE list of gateway kinds this API knows. A new kind is its own module (see
 * `GatewayKindModule` in @cardbridge/core) and one entry here; docs/architecture.md, "Where
 * things go", walks through it with the sandbox.
 */
export const gatewayKinds = [stripeKind, sandboxKind] as const;

type Kinds = typeof gatewayKinds;
type CreateInputOf<K> = K extends {
  inputTypes: infer T extends readonly [string, ...string[]];
  inputFields: infer F extends z.ZodRawShape;
}
  ? GatewayKindCreateInput<T, F>
  : never;
type CreateInputsOf<T extends readonly unknown[]> = { -readonly [I in keyof T]: CreateInputOf<T[I]> };
type CreateInputs = CreateInputsOf<Kinds>;

/**
 * `gatewayAccounts.create`: `{ type, name?, isDefault?, …the kind's fields }`, one strict
 * object per kind, told apart by `type`.
 */
export const createGatewayAccountInput = z.discriminatedUnion(
  'type',
  (gatewayKinds as readonly AnyGatewayKind[]).map((kind) =>
    gatewayKindCreateInput(kind),
  ) as unknown as CreateInputs,
);
export type CreateGatewayAccountInput = z.infer<typeof createGatewayAccountInput>;

const byKind = new Map<string, AnyGatewayKind<ApiGatewayRuntime>>(gatewayKinds.map((k) => [k.kind, k]));
const byInputType = new Map<string, AnyGatewayKind<ApiGatewayRuntime>>(
  gatewayKinds.flatMap((k) => k.inputTypes.map((type) => [type, k] as const)),
);

/** The kind an account row names; a row of a kind this server does not know is refused. */
export function kindOf(account: { id: number; kind: string }): AnyGatewayKind<ApiGatewayRuntime> {
  const kind = byKind.get(account.kind);
  if (!kind) {
    throw new DomainError(
      'GATEWAY_UNAVAILABLE',
      `Gateway account ${account.id} is of kind '${account.kind}', which this server does not know.`,
      { gatewayAccountId: account.id },
    );
  }
  return kind;
}

/** The kind a create input's `type` names (the input schema already refused unknown types). */
export function kindForInputType(type: string): AnyGatewayKind<ApiGatewayRuntime> {
  const kind = byInputType.get(type);
  if (!kind) throw DomainError.field('type', `unknown gateway type '${type}'`);
  return kind;
}
