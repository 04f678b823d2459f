// UserError: the typed, expected failures of a mutation, returned in its
// payload with a stable code. Everything else is a masked GraphQL error.
import { ERROR_CODES, isDomainError, isRetryable } from "@paycore/core/errors/domain-error";
import type { IdempotentOutcome } from "@paycore/core/idempotency/idempotency-service";
import type { UserErrorData } from "@paycore/core/payments/payment-commands";
import { GraphQLError } from "graphql";
import type { GraphQLContext } from "../context";
import { builder } from "./builder";
import { markReplayedPayload } from "./replayed-fields";

const UserErrorCode = builder.enumType("UserErrorCode", {
  description: "Stable codes for expected failures; clients branch on these, never on messages.",
  values: ERROR_CODES,
});

export interface UserErrorShape extends UserErrorData {
  retryable: boolean;
}

export const UserError = builder.objectRef<UserErrorShape>("UserError").implement({
  description:
    "An expected failure: bad input, a refused state change, a declined card, an idempotency conflict.",
  fields: (t) => ({
    code: t.field({ type: UserErrorCode, resolve: (e) => e.code }),
    message: t.exposeString("message"),
    field: t.stringList({
      nullable: true,
      description: 'Path of the input field at fault, e.g. ["amount"].',
      resolve: (e) => e.field,
    }),
    retryable: t.boolean({
      description:
        "True when the request may succeed later: with the same idempotency key after IDEMPOTENCY_IN_PROGRESS or PAYMENT_OPERATION_IN_PROGRESS, with a new one after PSP_NOT_REACHED (nothing was done).",
      resolve: (e) => e.retryable,
    }),
  }),
});

export function toUserErrors(errors: UserErrorData[]): UserErrorShape[] {
  return errors.map((e) => ({ ...e, retryable: isRetryable(e.code) }));
}

/**
 * Runs a command for a mutation: domain errors become the payload's errors
 * (this is the one place they are translated), anything else propagates and
 * is masked by Yoga.
 */
export async function runMutation<T, P>(
  context: GraphQLContext,
  command: () => Promise<IdempotentOutcome<T>>,
  toPayload: (value: T | null, errors: UserErrorShape[]) => P,
): Promise<P> {
  try {
    const outcome = await command();
    const errors = (outcome.value as { errors?: UserErrorData[] }).errors ?? [];
    const payload = toPayload(outcome.value, toUserErrors(errors));
    if (outcome.replayed) {
      context.idempotencyReplayed = true;
      markReplayedPayload(payload as object);
    }
    return payload;
  } catch (error) {
    if (isDomainError(error)) {
      return toPayload(null, [
        { code: error.code, message: error.message, field: error.field, retryable: error.retryable },
      ]);
    }
    throw error;
  }
}

/** Unknown ids, other merchants' objects and other modes' objects all look the same: not found. */
export function notFound(what: string): GraphQLError {
  return new GraphQLError(`No such ${what}.`, { extensions: { code: "NOT_FOUND" } });
}
