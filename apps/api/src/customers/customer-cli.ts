// `npm run cli -- customer erase --email <address> --merchant <merchantId> --reason <ticket>`: erases one customer's
// e-mail, receipt address and IP from every row of that merchant that names the e-mail (payments, receipts, mails,
// invoices, checkout sessions) in one audited transaction, then from the stored event copies (webhook_events
// payloads) in bounded batches; amounts and the ledger are untouched (issue 22).
// `npm run cli -- pii backfill [--batch-size n] [--max-batches n]`: seals the e-mails and IPs that rows written
// before sealing began still hold in clear; resumable and idempotent (exit 3 while rows are left).
import { isDomainError } from "@paycore/core/errors/domain-error";
import type { Actor } from "@paycore/core/ports/audit";
import { BACKFILL_BATCH_SIZE_MAX } from "@paycore/db/repositories/customer-pii-store.repository";
import { createPool, Sql } from "@paycore/db/sql";
import { openDatabase } from "@paycore/platform/bootstrap";
import {
  type CustomerPiiServices,
  createCustomerPiiServices,
  piiVaultFromSecrets,
} from "@paycore/platform/customers/customer-pii-services";
import { readEnv } from "@paycore/platform/env";
import { loadSecrets } from "@paycore/platform/secrets";
import { type Command, InvalidArgumentError } from "commander";
import { type CliIo, errLine, outLine } from "../cli-io";

/** The CLI's sweep of stored event copies: 500 events per transaction, at most 10,000 batches in one run. */
const SWEEP_BATCH_SIZE = 500;
const SWEEP_BATCHES_MAX = 10_000;

async function withCustomerPii<T>(
  io: CliIo,
  work: (services: CustomerPiiServices) => Promise<T>,
): Promise<T> {
  const env = readEnv(io.env);
  const pii = piiVaultFromSecrets(loadSecrets(env));
  const database = await openDatabase(env, (message) => errLine(io, message));
  const pool = createPool({ url: database.url, max: 2 });
  try {
    return await work(createCustomerPiiServices(new Sql(pool), pii));
  } finally {
    await pool.end();
    await database.stop();
  }
}

function integerIn(min: number, max: number) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return Number(value);
  };
}

export function registerCustomerCommands(program: Command, actor: () => Actor, io: CliIo): void {
  program
    .command("customer")
    .description("customers' personal data")
    .command("erase")
    .description(
      "erase a customer's e-mail, receipt address and IP at one merchant (payments, receipts, mails, invoices, checkout sessions, stored webhook events); amounts and the ledger stay",
    )
    .requiredOption("--email <address>", "the customer's e-mail address (matched through its blind index)")
    .requiredOption("--merchant <merchantId>", "the merchant whose customer asked")
    .requiredOption("--reason <text>", "why: the request's reference, kept in the audit log")
    .action(async (options: { email: string; merchant: string; reason: string }) => {
      try {
        const erased = await withCustomerPii(io, async ({ customerErasure, sweepEventCopies }) => {
          const counts = await customerErasure.erase(actor(), {
            merchantId: options.merchant,
            email: options.email,
            reason: options.reason,
          });
          // Then the stored event copies, batch by batch, with any sweep left open before (the worker shares
          // them through SKIP LOCKED). Interrupted, the worker finishes the sweep.
          let storedCopies = 0;
          for (let batch = 0; batch < SWEEP_BATCHES_MAX; batch++) {
            const progress = await sweepEventCopies(SWEEP_BATCH_SIZE);
            if (progress === null) break;
            if (progress.finished && progress.merchantId === options.merchant.trim())
              storedCopies += progress.copiesErased;
          }
          return { ...counts, storedCopies };
        });
        outLine(io, JSON.stringify({ status: "ERASED", ...erased }, null, 2));
      } catch (error) {
        if (!isDomainError(error)) throw error;
        outLine(io, JSON.stringify({ status: "REFUSED", code: error.code, reason: error.message }));
        io.setExitCode(1);
      }
    });

  program
    .command("pii")
    .description("customers' personal data at rest")
    .command("backfill")
    .description(
      "seal the e-mails and IPs that older rows hold in clear, in batches; safe to interrupt and run again",
    )
    .option("--batch-size <rows>", "rows per batch (default 500)", integerIn(1, BACKFILL_BATCH_SIZE_MAX), 500)
    .option(
      "--max-batches <n>",
      "stop after this many batches per column (default: until done)",
      integerIn(1, 1e9),
    )
    .action(async (options: { batchSize: number; maxBatches?: number }) => {
      const results = await withCustomerPii(io, ({ backfill }) =>
        backfill({
          batchSize: options.batchSize,
          ...(options.maxBatches === undefined ? {} : { batchesMax: options.maxBatches }),
          onBatch: (progress) => errLine(io, JSON.stringify({ progress })),
        }),
      );
      outLine(io, JSON.stringify({ columns: results }, null, 2));
      // Not done (a batch budget, or rows changed underneath): say so in the exit code, so a script loops.
      if (results.some((result) => !result.complete)) io.setExitCode(3);
    });
}
