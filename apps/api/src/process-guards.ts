import type { Logger } from '@cardbridge/api';

/**
 * Last-resort handlers for the server process (installed by `serve`, never by library code or
 * tests). Node's default is to exit on an uncaught exception or unhandled rejection: one bad
 * answer from one tenant's gateway would take every tenant's API down. Requests own their
 * state (a transaction each), so an error that escaped one of them leaves nothing shared half
 * done: log it, scrubbed like every log line, and keep serving.
 */
export function installProcessGuards(logger: Logger): void {
  process.on('uncaughtException', (err, origin) => {
    logger.error({ err, origin }, 'uncaught exception; still serving');
  });
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection; still serving');
  });
}
