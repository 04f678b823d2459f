// Authorizations about to expire: authorized payments whose brand's window closes within a day (the warning is on
// their timeline); the authorization-expiry worker voids them through the cancel path shortly before it closes,
// unless an operator or the merchant captures them first (the payment's page).
import { procedureFor, router, type SignedInContext } from "../../trpc";

async function expiring({ ctx }: { ctx: SignedInContext }) {
  const services = ctx.services.app.services;
  const rows = await services.authorizationExpiry.expiring(
    ctx.services.now(),
    services.workbenchConfig.authorizationWindows,
    100,
  );
  return rows.map((row) => ({
    paymentId: row.id,
    merchantId: row.merchant_id,
    mode: row.mode,
    expiresAt: row.expires_at.toISOString(),
    warned: row.warned,
  }));
}

export const authorizationsRouter = router({
  expiring: procedureFor("VIEWER").query(expiring),
});
