// The queue's URL parameters, shared by the page and the CSV export: the same filter either way.
import type { ReconItemsInput } from "../../../server/api/routers/reconciliation/reconciliation.schema";

export type SearchParams = Record<string, string | string[] | undefined>;

const KEYS = ["status", "category", "psp", "age", "currency", "min", "max"] as const;

function one(params: SearchParams, key: string): string {
  const value = params[key];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? "";
}

function many(params: SearchParams, key: string): string[] {
  const value = params[key];
  return (Array.isArray(value) ? value : value ? [value] : []).filter(Boolean).slice(0, 16);
}

/**
 * The procedure's input from the URL (unknown values are passed on and refused there with a message), and the
 * form's current values.
 */
export function queueInput(params: SearchParams) {
  const age = one(params, "age");
  const form = {
    statuses: many(params, "status"),
    categories: many(params, "category"),
    psp: one(params, "psp"),
    age,
    currency: one(params, "currency").toUpperCase(),
    min: one(params, "min"),
    max: one(params, "max"),
  };
  const ageDays = age === "" ? null : Number(age);
  const input = {
    statuses: form.statuses.length > 0 ? form.statuses : ["OPEN"],
    categories: form.categories,
    psp: form.psp || null,
    olderThanDays: ageDays !== null && Number.isInteger(ageDays) ? ageDays : ageDays === null ? null : -1,
    currency: form.currency || null,
    amountMin: form.min || null,
    amountMax: form.max || null,
    after: one(params, "after") || null,
  } as ReconItemsInput;
  return { input, form };
}

/** The filter part of the URL (no cursor). */
export function queueQuery(params: SearchParams): URLSearchParams {
  const query = new URLSearchParams();
  for (const key of KEYS) {
    if (key === "status" || key === "category")
      for (const value of many(params, key)) query.append(key, value);
    else if (one(params, key)) query.set(key, one(params, key));
  }
  return query;
}
