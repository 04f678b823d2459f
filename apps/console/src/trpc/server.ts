// Server components call the same procedures directly (no HTTP hop), with the
// request's cookies: the same session, role checks and error translation.
import { TRPCError } from "@trpc/server";
import { cookies, headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { signInPathFor } from "../lib/safe-next-path";
import { createCaller } from "../server/api/root";
import { createConsoleContext, ENROL_FIRST } from "../server/api/trpc";
import { PATH_HEADER } from "../server/http/security-headers";
import { getConsoleServices } from "../server/services";

export const serverCaller = cache(async () => {
  const [headerStore] = await Promise.all([headers(), cookies()]);
  const host = headerStore.get("host") ?? "localhost";
  const context = await createConsoleContext({
    services: getConsoleServices(),
    cookieHeader: headerStore.get("cookie"),
    csrfHeader: null,
    requestUrl: `http://${host}/`,
    forwardedProto: headerStore.get("x-forwarded-proto"),
    forwardedFor: headerStore.get("x-forwarded-for"),
    setCookie: () => {},
  });
  return createCaller(context);
});

/** The sign-in page, asked to come back to the page being rendered. */
async function signInRedirect(): Promise<never> {
  redirect(signInPathFor((await headers()).get(PATH_HEADER)));
}

/** The signed-in operator, or a redirect to the sign-in page. */
export const requireOperator = cache(async () => {
  const me = await (await serverCaller()).auth.me();
  if (!me || me.stage === "second_factor") return signInRedirect();
  // An admin without TOTP sets it up before seeing anything else.
  if (me.stage === "enrol") redirect("/account/two-factor");
  return me;
});

/** Turns "sign in first" into a redirect and "not found" into the 404 page; other errors go to the error page. */
export async function handleProcedureError(error: unknown): Promise<never> {
  if (error instanceof TRPCError) {
    if (error.code === "UNAUTHORIZED") return signInRedirect();
    if (error.code === "FORBIDDEN" && error.message === ENROL_FIRST) redirect("/account/two-factor");
    if (error.code === "NOT_FOUND") notFound();
  }
  throw error;
}
