// What an erasure would erase, before an admin requests it (issue 22): counts per table for the merchant and the
// e-mail's blind index, never the data itself (the admin sees only what they typed). Validated like the request.
import { erasureTarget } from "@paycore/core/customers/customer-erasure-commands";
import { previewErasure } from "@paycore/db/repositories/customer-erasure-queries.repository";
import type { z } from "zod";
import type { SignedInContext } from "../../trpc";
import type { previewErasureSchema } from "./preview-erasure.schema";

export async function previewErasureHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: z.infer<typeof previewErasureSchema>;
}) {
  const { app } = ctx.services;
  const target = erasureTarget(app.services.pii, input);
  const merchant = await app.db.merchant.findUnique({
    where: { id: target.merchantId },
    select: { id: true, name: true },
  });
  if (merchant === null) return { merchant: null, counts: null };
  return { merchant, counts: await previewErasure(app.sql, target.merchantId, target.emailIndex) };
}
