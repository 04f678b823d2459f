// Authorizations about to expire: captured soon, or voided by the authorization-expiry worker before the card
// network's window closes (a warning event is on each payment's timeline a day ahead).
import type { Metadata } from "next";
import Link from "next/link";
import { handleProcedureError, serverCaller } from "../../../trpc/server";
import { DateTime } from "../format";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Expiring authorizations" };

export default async function AuthorizationsPage() {
  const rows = await (await serverCaller()).authorizations.expiring().catch(handleProcedureError);
  return (
    <>
      <h1>Authorizations about to expire</h1>
      <p className="muted">
        Authorized payments whose card network window closes within a day. Capture one from its page, or it is
        voided automatically shortly before the window closes.
      </p>
      {rows.length === 0 ? <p className="muted">No authorization is about to expire.</p> : null}
      {rows.length === 0 ? null : (
        <div className="scroll-x">
          <table data-testid="expiring-authorizations" className="responsive">
            <thead>
              <tr>
                <th scope="col">Payment</th>
                <th scope="col">Window closes</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.paymentId}>
                  <td data-label="Payment">
                    <Link className="mono" href={`/payments/${row.paymentId}`}>
                      {row.paymentId}
                    </Link>
                    <div className="muted">{row.mode.toLowerCase()}</div>
                  </td>
                  <td data-label="Window closes">
                    <DateTime iso={row.expiresAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
