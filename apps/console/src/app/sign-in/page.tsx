import { redirect } from "next/navigation";
import { serverCaller } from "../../trpc/server";
import { SignInForm } from "./sign-in-form";

export const dynamic = "force-dynamic";

export default async function SignInPage() {
  if (await (await serverCaller()).auth.me()) redirect("/payments");
  return (
    <main className="signin">
      <div className="card">
        <h1>paycore console</h1>
        <SignInForm />
      </div>
    </main>
  );
}
