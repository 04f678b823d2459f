// Balance: what the merchant is owed per currency, summed from the ledger.
import type { BalanceRecord } from "@paycore/db/repositories/payment-query.repository";
import { requireSecretKey } from "../context";
import { builder } from "./builder";

const Balance = builder.objectRef<BalanceRecord>("Balance").implement({
  description:
    "Derived from ledger lines, never stored: captures less fees, less refunds, disputes and payouts. A capture's share is pending until the PSP's settlement delay passes, then available.",
  fields: (t) => ({
    currency: t.field({ type: "CurrencyCode", resolve: (b) => b.currency }),
    available: t.field({
      type: "SignedMinorUnits",
      description:
        "What may be paid out now. Refunds, disputes and payouts take from it, so it is negative when they exceed what was released (fees are not returned on refunds); a negative balance blocks payouts.",
      resolve: (b) => b.availableMinor,
    }),
    pending: t.field({
      type: "SignedMinorUnits",
      description: "Captured, not yet available: released when each capture's availableOn passes.",
      resolve: (b) => b.pendingMinor,
    }),
    reserved: t.field({
      type: "SignedMinorUnits",
      description: "Held back under a reserve.",
      resolve: (b) => b.reservedMinor,
    }),
    fees: t.field({
      type: "SignedMinorUnits",
      description: "Processing fees charged.",
      resolve: (b) => b.feesMinor,
    }),
  }),
});

builder.queryField("balance", (t) =>
  t.field({
    type: [Balance],
    description: "The merchant's balance in each currency it has taken payments in.",
    resolve: (_root, _args, context) => context.services.queries.balances(requireSecretKey(context)),
  }),
);
