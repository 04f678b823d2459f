// The one write path for the fraud deny and allow lists (console and CLI): a value is spelled the way the
// scorer compares it (lower-case email, canonical IP, digits-only BIN, lower-case hex fingerprint), and every
// change is written with its audit row.
import { DomainError } from "../errors/domain-error";
import { newId } from "../ids/ids";
import { assertFreeText } from "../payments/free-text";
import type { Actor } from "../ports/audit";
import {
  RISK_LIST_KINDS,
  type RiskListEntryRecord,
  type RiskListKind,
  type RiskListName,
  type RiskListStore,
} from "../ports/risk-list-store";
import { validateCustomer } from "./customer-context";

export interface AddRiskListEntryInput {
  list: RiskListName;
  kind: RiskListKind;
  value: string;
  /** Null: the entry applies to every merchant. */
  merchantId: string | null;
  note: string | null;
}

export const RISK_LIST_NOTE_LENGTH_MAX = 500;
const VALUE_LENGTH_MAX = 320;
const MERCHANT_ID_LENGTH_MAX = 64;

function invalid(field: string, message: string): DomainError {
  return new DomainError("INVALID_INPUT", message, { field: [field] });
}

/** The value in the spelling the scorer compares, or INVALID_INPUT. */
export function normaliseRiskListValue(kind: RiskListKind, raw: string): string {
  const value = raw.trim();
  const notValid = () => invalid("value", `Not a valid ${kind.toLowerCase()}.`);
  if (value.length === 0 || value.length > VALUE_LENGTH_MAX) throw notValid();
  if (kind === "EMAIL" || kind === "IP") {
    let normalised: string | null;
    try {
      const customer = validateCustomer(kind === "EMAIL" ? { email: value } : { ipAddress: value });
      normalised = kind === "EMAIL" ? customer.email : customer.ipAddress;
    } catch {
      throw notValid();
    }
    if (!normalised) throw notValid();
    return normalised;
  }
  if (kind === "BIN" && /^[0-9]{6,8}$/.test(value)) return value;
  if (kind === "FINGERPRINT" && /^[0-9a-f]{64}$/.test(value.toLowerCase())) return value.toLowerCase();
  throw notValid();
}

function entryAudit(entry: RiskListEntryRecord) {
  return {
    list: entry.list,
    kind: entry.kind,
    value: entry.value,
    merchantId: entry.merchantId,
    note: entry.note,
  };
}

export class RiskListCommands {
  constructor(private readonly deps: { store: RiskListStore; now: () => Date }) {}

  async add(actor: Actor, input: AddRiskListEntryInput): Promise<RiskListEntryRecord> {
    if (input.list !== "DENY" && input.list !== "ALLOW") throw invalid("list", "list is DENY or ALLOW.");
    if (!RISK_LIST_KINDS.includes(input.kind))
      throw invalid("kind", `kind is one of ${RISK_LIST_KINDS.join(", ")}.`);
    const merchantId = input.merchantId?.trim() || null;
    if (merchantId !== null) {
      if (merchantId.length > MERCHANT_ID_LENGTH_MAX) throw invalid("merchantId", "Not a merchant id.");
      assertFreeText(merchantId, { field: ["merchantId"] });
    }
    const note = input.note?.trim() || null;
    if (note !== null) {
      if (note.length > RISK_LIST_NOTE_LENGTH_MAX)
        throw invalid("note", `note is at most ${RISK_LIST_NOTE_LENGTH_MAX} characters.`);
      assertFreeText(note, { field: ["note"], multiline: true });
    }
    const entry: RiskListEntryRecord = {
      id: newId("riskListEntry"),
      merchantId,
      list: input.list,
      kind: input.kind,
      value: normaliseRiskListValue(input.kind, input.value),
      note,
      // Operators as the lists always named them; the CLI's user as its actor name (cli:alice).
      createdBy: actor.operatorId === null ? actor.name : `operator:${actor.name}`,
      createdAt: this.deps.now(),
    };
    return this.deps.store.add(entry, {
      actor,
      action: "risk_list.add",
      targetId: entry.id,
      before: null,
      after: entryAudit(entry),
    });
  }

  /** False when there is no such entry. */
  async remove(actor: Actor, id: string): Promise<boolean> {
    const before = await this.deps.store.findEntry(id);
    if (!before) return false;
    return this.deps.store.remove(before.id, {
      actor,
      action: "risk_list.remove",
      targetId: before.id,
      before: entryAudit(before),
      after: null,
    });
  }
}
