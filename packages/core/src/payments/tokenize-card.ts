// Tokenizes a card: the number is encrypted into the vault and a payment method is returned in its place.
import { binOf, cardCountryFromBin } from "../fraud/bin-country";
import type { IdempotentOutcome } from "../idempotency/idempotency-service";
import { tokenizeRequestIdentity } from "../idempotency/tokenize-request";
import { newId, parseIdempotencyKey } from "../ids/ids";
import { validateCard } from "../vault/card";
import { encryptPan, fingerprintPan } from "../vault/card-vault";
import { fundingTypeFromBin } from "../vault/funding-type";
import { type PaymentCommandsDependencies, scope } from "./payment-deps";
import type { MerchantActor, PaymentMethodRecord } from "./payment-record";
import type { TokenizeCardInput } from "./payment-requests";
import type { TokenizeCardResult } from "./payment-responses";

export async function tokenizeCard(
  deps: PaymentCommandsDependencies,
  actor: MerchantActor,
  input: TokenizeCardInput,
): Promise<IdempotentOutcome<TokenizeCardResult>> {
  const key = parseIdempotencyKey(input.idempotencyKey);
  const card = validateCard(input.card, deps.now());
  // The CVC was checked for format and is dropped here: it is never stored, not even hashed.
  const fingerprint = fingerprintPan(deps.vault, card.number);
  const identity = tokenizeRequestIdentity(card, fingerprint);
  return deps.idempotency.run(scope(actor, key), "tokenizeCard", identity, async (context) => {
    const id = newId("paymentMethod");
    const record: PaymentMethodRecord = {
      id,
      merchantId: actor.merchantId,
      mode: actor.mode,
      brand: card.brand,
      last4: card.last4,
      expMonth: card.expMonth,
      expYear: card.expYear,
      fingerprint,
      bin: binOf(card.number),
      // Matched on the whole number while we have it: some issuers need more digits than the stored BIN.
      cardCountry: cardCountryFromBin(card.number),
      fundingType: fundingTypeFromBin(card.number),
      createdAt: deps.now(),
    };
    const paymentMethod = await deps.store.insertPaymentMethod({
      record,
      encryptedPan: encryptPan(deps.vault, card.number, id),
      idempotency: {
        ...context.completeWith((method: PaymentMethodRecord) => ({ paymentMethod: method })),
        lockedUntil: context.lockedUntil,
      },
    });
    return { paymentMethod };
  });
}
