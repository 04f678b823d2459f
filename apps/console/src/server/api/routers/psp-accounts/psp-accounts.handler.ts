// Admins' PSP accounts: list, create, rotate a secret, enable or disable, test the connection. Every write is
// a core command that writes its audit row in the same transaction; secrets go in and never come back out
// (the views carry only their last four characters).

import { DomainError } from "@paycore/core/errors/domain-error";
import type { Actor } from "@paycore/core/ports/psp-account-store";
import type { PspAccountView } from "@paycore/core/psp-accounts/psp-account";
import { pspModule, pspNames } from "@paycore/platform/psps/registry";
import type { SignedInContext } from "../../trpc";
import type { CreatePspAccountInput, RotatePspSecretInput } from "./psp-accounts.schema";

export interface PspAccountRow extends Omit<PspAccountView, "lastCheckAt" | "lastErrorAt" | "createdAt"> {
  lastCheckAt: string | null;
  lastErrorAt: string | null;
  createdAt: string;
}

function row(view: PspAccountView): PspAccountRow {
  return {
    ...view,
    lastCheckAt: view.lastCheckAt?.toISOString() ?? null,
    lastErrorAt: view.lastErrorAt?.toISOString() ?? null,
    createdAt: view.createdAt.toISOString(),
  };
}

function actor(ctx: SignedInContext): Actor {
  return { operatorId: ctx.session.operator.id, name: ctx.session.operator.email };
}

/** A PSP a live account may name, as the create form offers it. */
export interface RegisteredPsp {
  name: string;
  merchantAccountRequired: boolean;
  endpointExample: string;
  /** What the PSP's report credentials look like, as its module says it (shown under the rotate form). */
  reportCredentialFormat: string;
}

/** The PSPs of the platform's registry: the form offers exactly what the core's command accepts. */
export function registeredPspsHandler(): RegisteredPsp[] {
  return pspNames().flatMap((name) => {
    const module = pspModule(name);
    return module === null
      ? []
      : [
          {
            name,
            merchantAccountRequired: module.accountRules.merchantAccountRequired,
            endpointExample: module.liveEndpointExample,
            reportCredentialFormat: module.accountRules.reportCredential.message,
          },
        ];
  });
}

export async function listPspAccountsHandler({ ctx }: { ctx: SignedInContext }): Promise<PspAccountRow[]> {
  return (await ctx.services.app.services.pspAccounts.list()).map(row);
}

export async function createPspAccountHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: CreatePspAccountInput;
}): Promise<PspAccountRow> {
  const created = await ctx.services.app.services.pspAccounts.create(actor(ctx), {
    ...input,
    mode: "LIVE",
    merchantAccount: input.merchantAccount ?? null,
  });
  ctx.services.app.services.livePsps.invalidate();
  return row(created);
}

export async function rotatePspSecretHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: RotatePspSecretInput;
}): Promise<PspAccountRow> {
  const account = await ctx.services.app.services.pspAccounts.rotateSecret(
    actor(ctx),
    input.accountId,
    input.kind,
    input.secret,
    input.overlapHours * 60 * 60 * 1000,
  );
  ctx.services.app.services.livePsps.invalidate();
  return row(account);
}

export async function setPspAccountEnabledHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: { accountId: string; enabled: boolean };
}): Promise<PspAccountRow> {
  const account = await ctx.services.app.services.pspAccounts.setEnabled(
    actor(ctx),
    input.accountId,
    input.enabled,
  );
  ctx.services.app.services.livePsps.invalidate();
  return row(account);
}

export async function testPspConnectionHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: { psp: string };
}): Promise<{ ok: boolean; error: string | null }> {
  const module = pspModule(input.psp);
  if (module === null)
    throw new DomainError("INVALID_INPUT", `psp must be one of ${pspNames().join(", ")}`, { field: ["psp"] });
  const { ok, error } = await ctx.services.app.services.livePsps.checkConnection(module.id);
  return { ok, error };
}
