// Merchants with keys (through the db package, as the operator CLI does) and their cards (tokenized
// through the API with the publishable key, as a browser would).
import { newId } from "@paycore/core/ids/ids";
import { MerchantCommands } from "@paycore/core/merchants/merchant-commands";
import { encryptPan, fingerprintPan, type VaultKeyring } from "@paycore/core/vault/card-vault";
import { createDatabaseClient } from "@paycore/db/client";
import { MerchantStoreRepository } from "@paycore/db/repositories/merchant-store.repository";
import pg from "pg";
import { type BenchMerchant, CREATE_PAYMENT, TOKENIZE_CARD } from "./load-protocol";

const BENCH_ACTOR = { operatorId: null, name: "bench" } as const;

const PARALLEL_REQUESTS = 8;
/** Cards per INSERT statement. */
const CARD_BATCH = 1000;

export async function graphql(
  baseUrl: string,
  apiKey: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as {
    data?: Record<string, unknown>;
    errors?: Array<{ message: string }>;
  };
  if (!response.ok || body.errors?.length) {
    throw new Error(`GraphQL ${response.status}: ${body.errors?.map((e) => e.message).join("; ")}`);
  }
  return body.data ?? {};
}

/** Runs `work` over `items`, `parallel` at a time. */
async function inParallel<T, R>(items: T[], parallel: number, work: (item: T, index: number) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index] as T, index);
      }
    }),
  );
  return results;
}

export interface CreatedMerchants {
  merchants: BenchMerchant[];
  hot: BenchMerchant;
  /** The physical-limit writer's merchant (the first of `physical`). */
  raw: BenchMerchant;
  /** Merchants the physical limit may spread its copies over (`--physical-merchants`). */
  physical: BenchMerchant[];
}

/**
 * `count` regular merchants, one hot merchant and one for the physical-limit writer. Each tokenizes one
 * card through the API; the rest of its cards are copies of that row with fresh card numbers (see
 * `addCards`), because the fraud rules decline a card used more than a few times in ten minutes and real
 * traffic is one card per payment.
 */
export async function createMerchants(options: {
  databaseUrl: string;
  baseUrl: string;
  runId: string;
  count: number;
  /** Merchants for the physical-limit writer (default 1). */
  physicalCount?: number;
  cardsPerMerchant: number;
  hotCards: number;
  vault: VaultKeyring;
}): Promise<CreatedMerchants> {
  const db = createDatabaseClient({ url: options.databaseUrl, poolMax: 4 });
  // Through the core command like any merchant (audited as the bench).
  const merchants = new MerchantCommands({ store: new MerchantStoreRepository(db), now: () => new Date() });
  const names = [
    ...Array.from({ length: options.count }, (_, i) => `bench merchant ${i + 1}`),
    "bench hot merchant",
    ...Array.from({ length: options.physicalCount ?? 1 }, (_, i) =>
      i === 0 ? "bench physical-limit merchant" : `bench physical-limit merchant ${i + 1}`,
    ),
  ];
  let created: Array<{ id: string; secretKey: string; publishableKey: string }>;
  try {
    created = await inParallel(names, 4, async (name) => {
      const { merchant, keys } = await merchants.create(BENCH_ACTOR, { name, modes: ["TEST"] });
      const key = (kind: string) => keys.find((k) => k.kind === kind)?.key ?? "";
      return { id: merchant.id, secretKey: key("SECRET"), publishableKey: key("PUBLISHABLE") };
    });
  } finally {
    await db.$disconnect();
  }
  const tokenized = await inParallel(created, PARALLEL_REQUESTS, async (merchant) => {
    const data = await graphql(options.baseUrl, merchant.publishableKey, TOKENIZE_CARD, {
      input: {
        idempotencyKey: `${options.runId}-card-${merchant.id}`,
        card: { number: nextCardNumber(), expMonth: 12, expYear: 2035, cvc: "123" },
      },
    });
    const payload = data.tokenizeCard as {
      paymentMethod: { id: string } | null;
      errors: Array<{ code: string }>;
    };
    if (!payload.paymentMethod) throw new Error(`tokenizeCard failed: ${payload.errors[0]?.code}`);
    return payload.paymentMethod.id;
  });
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    const benchMerchants: BenchMerchant[] = [];
    for (const [i, merchant] of created.entries()) {
      const extra =
        i < options.count ? options.cardsPerMerchant - 1 : i === options.count ? options.hotCards - 1 : 0;
      const tokenizedId = tokenized[i] as string;
      const copies = await addCards(client, options.vault, tokenizedId, extra);
      benchMerchants.push({
        id: merchant.id,
        secretKey: merchant.secretKey,
        paymentMethodIds: [tokenizedId, ...copies],
      });
    }
    return {
      merchants: benchMerchants.slice(0, options.count),
      hot: benchMerchants[options.count] as BenchMerchant,
      raw: benchMerchants[options.count + 1] as BenchMerchant,
      physical: benchMerchants.slice(options.count + 1),
    };
  } finally {
    await client.end();
  }
}

/** Adds the check digit that makes `digits` pass the Luhn check. */
function withLuhnDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) d *= 2;
    sum += d > 9 ? d - 9 : d;
  }
  return digits + String((10 - (sum % 10)) % 10);
}

let cardSequence = 0;

/**
 * A card number no other bench card has (the fraud rules count payments per card across merchants):
 * the BIN of the sandbox's approved Visa test card, a sequence number, and the Luhn check digit.
 */
function nextCardNumber(): string {
  return withLuhnDigit(`42424242${String(++cardSequence).padStart(7, "0")}`);
}

/**
 * `count` more cards for the merchant of `templateId`: copies of its row (so every column the product
 * stores, now and later, is filled as tokenizeCard fills it) with a new id and a new card number of the
 * same BIN, encrypted and fingerprinted by the product's vault with the keys the API runs with.
 */
async function addCards(
  client: pg.Client,
  vault: VaultKeyring,
  templateId: string,
  count: number,
): Promise<string[]> {
  if (count <= 0) return [];
  const result = await client.query<{ row: string }>(
    "SELECT to_jsonb(t)::text AS row FROM payment_methods t WHERE id = $1",
    [templateId],
  );
  const template = JSON.parse(result.rows[0]?.row ?? "null") as Record<string, unknown> | null;
  if (template === null) throw new Error(`payment method ${templateId} not found`);
  const columns = Object.keys(template);
  const literal = (value: unknown) =>
    value === null
      ? "NULL"
      : `'${(typeof value === "string" ? value : JSON.stringify(value)).replaceAll("'", "''")}'`;
  const ids: string[] = [];
  for (let offset = 0; offset < count; offset += CARD_BATCH) {
    const rows: string[] = [];
    for (let i = offset; i < Math.min(count, offset + CARD_BATCH); i++) {
      const id = newId("paymentMethod");
      const pan = nextCardNumber();
      const encrypted = encryptPan(vault, pan, id);
      const values: Record<string, string> = {
        id: literal(id),
        fingerprint: literal(fingerprintPan(vault, pan)),
        last4: literal(pan.slice(-4)),
        pan_ciphertext: literal(`\\x${encrypted.ciphertext.toString("hex")}`),
        pan_nonce: literal(`\\x${encrypted.nonce.toString("hex")}`),
        pan_auth_tag: literal(`\\x${encrypted.authTag.toString("hex")}`),
        key_version: String(encrypted.keyVersion),
        created_at: "now()",
      };
      rows.push(`(${columns.map((c) => values[c] ?? literal(template[c])).join(", ")})`);
      ids.push(id);
    }
    await client.query(
      `INSERT INTO payment_methods (${columns.map((c) => `"${c}"`).join(", ")}) VALUES ${rows.join(", ")}`,
    );
  }
  return ids;
}

/** One automatic-capture payment through the API; returns its id. */
export async function createOnePayment(
  baseUrl: string,
  merchant: BenchMerchant,
  key: string,
): Promise<string> {
  const data = await graphql(baseUrl, merchant.secretKey, CREATE_PAYMENT, {
    input: {
      idempotencyKey: key,
      amount: "2500",
      currency: "USD",
      paymentMethodId: merchant.paymentMethodIds[0],
      captureMethod: "AUTOMATIC",
    },
  });
  const payload = data.createPayment as { payment: { id: string; status: string } | null; errors: unknown[] };
  if (payload.payment?.status !== "CAPTURED") throw new Error(`createPayment: ${JSON.stringify(payload)}`);
  return payload.payment.id;
}
