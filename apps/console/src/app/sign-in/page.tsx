import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { safeNextPath } from "../../lib/safe-next-path";
import { serverCaller } from "../../trpc/server";
import { SecondFactorForm } from "./second-factor-form";
import { SignInForm } from "./sign-in-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const requested = (await searchParams).next;
  // Only a path on this console: never "//evil", "https://…" or "/\evil".
  const next = safeNextPath(typeof requested === "string" ? requested : null);
  const me = await (await serverCaller()).auth.me();
  if (me?.stage === "ready") redirect(next);
  if (me?.stage === "enrol") redirect("/account/two-factor");
  return (
    <main className="signin">
      <div className="card">
        <h1>paycore console</h1>
        {me?.stage === "second_factor" ? (
          <SecondFactorForm next={next} email={me.email} />
        ) : (
          <SignInForm next={next} />
        )}
      </div>
    </main>
  );
}
