// Live PSP accounts (admins): the credentials live payments use, their last check, and the alert when a PSP
// refused them. Secrets are entered here and never shown again: only their last four characters.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { handleProcedureError, requireOperator, serverCaller } from "../../../trpc/server";
import { DateTime } from "../format";
import { AccountActions, CreatePspAccountForm } from "./psp-account-forms";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "PSP accounts" };

export default async function PspAccountsPage() {
  const me = await requireOperator();
  if (me.role !== "ADMIN") notFound();
  const caller = await serverCaller();
  const accounts = await caller.pspAccounts.list().catch(handleProcedureError);
  const psps = await caller.pspAccounts.psps().catch(handleProcedureError);
  const alerts = accounts.filter((a) => a.status === "ACTIVE" && a.lastCheckOk === false);
  return (
    <>
      <h1>PSP accounts</h1>
      <p className="muted">
        Live payments reach only these accounts; test mode always uses the sandbox. Without an active account
        for a PSP, live payments to it are refused.
      </p>
      <p className="muted">
        Report credentials download the settlement reports a live account announces (and list Stripe&apos;s
        report runs). Until an account has them, its announced reports wait on the overview&apos;s
        needs-attention card without using any of their download tries; once they are set, the next pass of
        the download worker fetches them. Set or replace them with <em>Rotate</em> and{" "}
        <em>report credentials</em>.
      </p>
      {alerts.map((account) => (
        <p key={account.id} className="error" role="alert">
          {account.psp} ({account.id}): {account.lastError ?? "the last check failed"}
          {account.lastErrorAt ? (
            <>
              {" "}
              at <DateTime iso={account.lastErrorAt} />
            </>
          ) : null}
        </p>
      ))}
      {accounts.length === 0 ? null : (
        <div className="scroll-x">
          <table className="responsive">
            <thead>
              <tr>
                <th scope="col">PSP</th>
                <th scope="col">Status</th>
                <th scope="col">Endpoint</th>
                <th scope="col">Keys</th>
                <th scope="col">Last check</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {accounts.map((account) => (
                <tr key={account.id}>
                  <td data-label="PSP">
                    {account.psp}
                    <div className="muted mono">{account.id}</div>
                    {account.merchantAccount ? <div className="muted">{account.merchantAccount}</div> : null}
                  </td>
                  <td data-label="Status">
                    <span
                      className={`status status-${account.status === "ACTIVE" ? "CAPTURED" : "CANCELLED"}`}
                    >
                      {account.status.toLowerCase()}
                    </span>
                  </td>
                  <td data-label="Endpoint" className="mono">
                    {account.endpoint}
                  </td>
                  <td data-label="Keys">
                    <div>API key …{account.apiKeyHint ?? "none"}</div>
                    <div>webhook secret …{account.webhookSecretHint ?? "none"}</div>
                    <div>
                      {account.reportCredentialHint
                        ? `report credentials …${account.reportCredentialHint}`
                        : "report credentials: none (announced reports wait)"}
                    </div>
                  </td>
                  <td data-label="Last check">
                    {account.lastCheckAt ? (
                      <>
                        {account.lastCheckOk ? "ok" : "failed"}, <DateTime iso={account.lastCheckAt} />
                      </>
                    ) : (
                      "never"
                    )}
                  </td>
                  <td data-label="Actions">
                    <AccountActions
                      account={{ id: account.id, psp: account.psp, active: account.status === "ACTIVE" }}
                      reportCredentialFormat={
                        psps.find((psp) => psp.name === account.psp)?.reportCredentialFormat
                      }
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {accounts.length === 0 ? <p className="muted">No PSP account yet: live payments are refused.</p> : null}
      <section className="card" aria-labelledby="add-account">
        <h2 id="add-account">Add a live account</h2>
        <CreatePspAccountForm psps={psps} />
      </section>
    </>
  );
}
