// A span per core command call (`command createPayment`), around the whole
// command: its SQL, Redis and PSP spans nest inside. The payment id goes on the
// span as `paycore.payment_id` when the arguments or the result name one. With
// tracing off, the commands object is returned as it is.
import { annotateActiveSpan, inSpan, spansEnabled } from "./spans";

/** The payment id in a command's arguments or result: `paymentId` fields, or a `payment.id`. */
function paymentIdIn(value: unknown, depth = 0): string | null {
  if (depth > 2 || typeof value !== "object" || value === null) return null;
  const record = value as Record<string, unknown>;
  if (typeof record.paymentId === "string") return record.paymentId;
  const payment = record.payment;
  if (typeof payment === "object" && payment !== null) {
    const id = (payment as Record<string, unknown>).id;
    if (typeof id === "string") return id;
  }
  // IdempotentOutcome's value, a result's payment.
  return paymentIdIn(record.value, depth + 1);
}

export function tracedCommands<T extends object>(commands: T, area: string): T {
  if (!spansEnabled()) return commands;
  return new Proxy(commands, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || typeof property !== "string") return value;
      return (...args: unknown[]) =>
        inSpan(
          `command ${property}`,
          {
            "paycore.command": `${area}.${property}`,
            "paycore.payment_id":
              args.map((argument) => paymentIdIn(argument)).find((id) => id !== null) ?? null,
          },
          async () => {
            const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            const paymentId = paymentIdIn(result);
            if (paymentId !== null) annotateActiveSpan({ "paycore.payment_id": paymentId });
            return result;
          },
        );
    },
  });
}
