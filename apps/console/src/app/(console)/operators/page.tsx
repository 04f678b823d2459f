// Console operators (admins): who can sign in, with which role, when they last did, and whether their email is
// being throttled. Every change is a core command audited in its own transaction; a new or reset password is
// shown once, here, and never again.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { handleProcedureError, requireOperator, serverCaller } from "../../../trpc/server";
import { DateTime } from "../format";
import { CreateOperatorForm, OperatorActions } from "./operator-forms";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Operators" };

export default async function OperatorsPage() {
  const me = await requireOperator();
  if (me.role !== "ADMIN") notFound();
  const operators = await (await serverCaller()).operators.list().catch(handleProcedureError);
  return (
    <>
      <h1>Operators</h1>
      <p className="muted">
        Viewers read; operators also refund and decide reviews; admins manage merchants, PSP accounts and
        operators. Nobody can disable or demote themselves, and the last enabled admin stays.
      </p>
      <div className="scroll-x">
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Operator</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {operators.map((operator) => (
              <tr key={operator.id} data-testid={`operator-${operator.email}`}>
                <td data-label="Operator">
                  {operator.email}
                  <div className="muted mono">{operator.id}</div>
                  {operator.totpEnabled ? <div className="muted">two-factor on</div> : null}
                </td>
                <td data-label="Role">{operator.role.toLowerCase()}</td>
                <td data-label="Status">
                  <span
                    className={`status status-${operator.status === "active" ? "CAPTURED" : "CANCELLED"}`}
                  >
                    {operator.status}
                  </span>
                  {operator.lockedUntil ? (
                    <div className="error">
                      sign-in locked until <DateTime iso={operator.lockedUntil} />
                    </div>
                  ) : null}
                </td>
                <td data-label="Last sign-in">
                  {operator.lastSignInAt ? <DateTime iso={operator.lastSignInAt} /> : "never"}
                </td>
                <td data-label="Actions">
                  {operator.id === me.id ? (
                    <span className="muted">you</span>
                  ) : (
                    <OperatorActions
                      operator={{
                        id: operator.id,
                        email: operator.email,
                        role: operator.role,
                        active: operator.status === "active",
                        locked: operator.lockedUntil !== null,
                      }}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <section className="card" aria-labelledby="add-operator">
        <h2 id="add-operator">Add an operator</h2>
        <CreateOperatorForm />
      </section>
    </>
  );
}
