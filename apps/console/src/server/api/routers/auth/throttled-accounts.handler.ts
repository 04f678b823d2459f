import type { SignedInContext } from "../../trpc";

export interface ThrottledAccountView {
  operatorId: string;
  email: string;
  ip: string;
  failures: number;
  lastFailureAt: Date;
  blockedUntil: Date;
}

/**
 * Operators whose email earned sign-in delays from some address within the throttle's window (the run is still
 * counted, even if its latest delay is over): an admin should know someone is guessing.
 */
export async function throttledAccountsHandler({
  ctx,
}: {
  ctx: SignedInContext;
}): Promise<ThrottledAccountView[]> {
  const since = new Date(ctx.services.now().getTime() - ctx.services.settings.signInThrottle.windowMs);
  return ctx.services.operators.listThrottledAccounts(since);
}
