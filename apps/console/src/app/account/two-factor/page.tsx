// The signed-in operator's two-factor settings. Outside the console's layout:
// an admin without TOTP is sent here before anything else, and the layout would
// send them straight back.
import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { serverCaller } from "../../../trpc/server";
import { TwoFactorSetup } from "./two-factor-setup";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Two-factor authentication" };

export default async function TwoFactorPage() {
  const me = await (await serverCaller()).auth.me();
  if (!me || me.stage === "second_factor")
    redirect(`/sign-in?next=${encodeURIComponent("/account/two-factor")}`);
  return (
    <main className="signin">
      <div className="card stack">
        <h1>Two-factor authentication</h1>
        <p>
          Signed in as <strong>{me.email}</strong> ({me.role.toLowerCase()}).
        </p>
        {me.stage === "enrol" ? (
          <p className="error" role="status">
            Admins need two-factor authentication. Set it up to continue.
          </p>
        ) : null}
        <TwoFactorSetup enabled={me.totpEnabled} mayDisable={me.role !== "ADMIN"} />
        {me.stage === "ready" ? <Link href="/payments">Back to the console</Link> : null}
      </div>
    </main>
  );
}
