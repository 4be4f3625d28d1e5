/*
 * The router's public type, derived from @cardbridge/api's AppRouter with the server's side
 * erased: the context (AppDeps: database, vault, gateways, logger…) and meta become `object`,
 * each procedure keeps only its kind, input and output. In the workspace this file is the
 * type; `scripts/build.mjs` prints the same type, fully resolved into plain TypeScript, as the
 * package's dist/router.d.ts, so a consumer never sees the server's source or its libraries.
 */
import type { AppRouter } from '@cardbridge/api';
import type {
  AnyProcedure,
  inferProcedureInput,
  inferProcedureOutput,
  TRPCBuiltRouter,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
} from '@trpc/server';

type PublicProcedure<P extends AnyProcedure> = P['_def']['type'] extends 'mutation'
  ? TRPCMutationProcedure<{ input: inferProcedureInput<P>; output: inferProcedureOutput<P>; meta: object }>
  : TRPCQueryProcedure<{ input: inferProcedureInput<P>; output: inferProcedureOutput<P>; meta: object }>;

type PublicRecord<R> = {
  [K in keyof R]: R[K] extends AnyProcedure ? PublicProcedure<R[K]> : PublicRecord<R[K]>;
};

/** The shape of every error the API returns (`TRPCClientError#shape`, `#data`). */
export type CardbridgeErrorShape = AppRouter['_def']['_config']['$types']['errorShape'];

/** Every procedure by path, with its kind, input and output. */
export type CardbridgeRouterRecord = PublicRecord<AppRouter['_def']['record']>;

/** The API's router as a client sees it: no context, no meta, no transformer. */
export type CardbridgeRouter = TRPCBuiltRouter<
  { ctx: object; meta: object; errorShape: CardbridgeErrorShape; transformer: false },
  CardbridgeRouterRecord
>;
