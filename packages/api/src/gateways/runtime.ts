import type { GatewayRuntime } from '@cardbridge/core';
import type { Db } from '@cardbridge/db';

/** What this API gives every gateway kind's factory: the common runtime and the database. */
export interface ApiGatewayRuntime extends GatewayRuntime {
  db: Db;
}
