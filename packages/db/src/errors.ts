/** PostgreSQL's unique_violation, as raised by postgres.js or PGlite (possibly wrapped by drizzle). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const o = e as { code?: unknown; constraint?: unknown; constraint_name?: unknown; message?: unknown };
    if (o.code === '23505') {
      if (!constraint) return true;
      const name = o.constraint_name ?? o.constraint;
      return name === constraint || String(o.message ?? '').includes(constraint);
    }
  }
  return false;
}

/**
 * An error PostgreSQL raises when concurrent transactions collide: a unique violation, a
 * serialization failure or a deadlock. Retrying the request is the cure.
 */
export function isConcurrencyConflict(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === '23505' || code === '40001' || code === '40P01') return true;
  }
  return false;
}
