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

const shutdownSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * One signal stops the server once, however many arrive: a terminal's Ctrl-C reaches every
 * process of the foreground group, and npm forwards SIGINT/SIGTERM to its script as well, so the
 * server commonly gets the same signal two or three times. The first SIGINT, SIGTERM or SIGHUP
 * starts `close()` (stop accepting, finish in-flight requests within their bound, stop timers,
 * close the database and release its lock); later ones are logged and ignored (Node's default
 * for a second SIGINT would kill the process while PGlite is closing, and the next start would
 * run crash recovery). Exit 0 after a clean close, 1 if it failed or overran `deadlineMs`.
 */
export function installShutdownSignals(opts: {
  logger: Logger;
  close: () => Promise<void>;
  /** Hang protection only: far beyond the in-flight request bound and a database close. */
  deadlineMs?: number;
  exit?: (code: number) => void;
}): () => void {
  const { logger } = opts;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let first: string | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (first) {
      logger.warn({ signal, first }, 'already shutting down; signal ignored');
      return;
    }
    first = signal;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ signal }, 'shutdown did not finish in time; exiting');
      exit(1);
    }, opts.deadlineMs ?? 60_000);
    opts.close().then(
      () => {
        clearTimeout(deadline);
        logger.info('stopped cleanly');
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(deadline);
        logger.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  for (const signal of shutdownSignals) process.on(signal, onSignal);
  return () => {
    for (const signal of shutdownSignals) process.off(signal, onSignal);
  };
}
