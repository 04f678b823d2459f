// Adds a deny or allow list entry, spelled the way the fraud scorer compares it
// (lower-case email, canonical IP, digits-only BIN, hex fingerprint), and audits it.
import { DomainError } from "@paycore/core/errors/domain-error";
import { validateCustomer } from "@paycore/core/fraud/customer-context";
import { writeAudit } from "../../../audit";
import type { SignedInContext } from "../../trpc";
import type { AddListEntryInput } from "./risk-list.schema";

function normalise(kind: AddListEntryInput["kind"], raw: string): string {
  const invalid = () =>
    new DomainError("INVALID_INPUT", `Not a valid ${kind.toLowerCase()}.`, { field: ["value"] });
  if (kind === "EMAIL" || kind === "IP") {
    const customer = validateCustomer(kind === "EMAIL" ? { email: raw } : { ipAddress: raw });
    const value = kind === "EMAIL" ? customer.email : customer.ipAddress;
    if (!value) throw invalid();
    return value;
  }
  if (kind === "BIN" && /^[0-9]{6,8}$/.test(raw)) return raw;
  if (kind === "FINGERPRINT" && /^[0-9a-f]{64}$/.test(raw.toLowerCase())) return raw.toLowerCase();
  throw invalid();
}

export async function addListEntryHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: AddListEntryInput;
}): Promise<{ id: string }> {
  const value = normalise(input.kind, input.value);
  const entry = await ctx.services.app.services.riskLists.addListEntry({
    merchantId: input.merchantId || null,
    list: input.list,
    kind: input.kind,
    value,
    note: input.note || null,
    createdBy: `operator:${ctx.session.operator.email}`,
  });
  await writeAudit(ctx.services, {
    operatorId: ctx.session.operator.id,
    action: "risk_list.add",
    targetType: "risk_list_entry",
    targetId: entry.id,
    after: {
      list: entry.list,
      kind: entry.kind,
      value: entry.value,
      merchantId: entry.merchantId,
      note: entry.note,
    },
  });
  return { id: entry.id };
}
