// Balance: what the merchant is owed per currency, summed from the ledger.
import type { BalanceRecord } from "@paycore/db/repositories/payment-query.repository";
import { requireSecretKey } from "../context";
import { builder } from "./builder";

const Balance = builder.objectRef<BalanceRecord>("Balance").implement({
  description: "Derived from ledger lines, never stored: captures less fees, less refunds.",
  fields: (t) => ({
    currency: t.field({ type: "CurrencyCode", resolve: (b) => b.currency }),
    available: t.field({
      type: "SignedMinorUnits",
      description:
        "Owed to the merchant. Negative when refunds exceed what is left (fees are not returned on refunds).",
      resolve: (b) => b.availableMinor,
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
