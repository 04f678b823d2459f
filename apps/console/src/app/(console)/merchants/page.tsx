// Merchants: everyone reads; admins create them.
import type { Metadata } from "next";
import Link from "next/link";
import { handleProcedureError, requireOperator, serverCaller } from "../../../trpc/server";
import { DateTime, feePercent } from "../format";
import { CreateMerchantForm } from "./merchant-forms";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Merchants" };

export default async function MerchantsPage() {
  const me = await requireOperator();
  const merchants = await (await serverCaller()).merchants.list().catch(handleProcedureError);
  return (
    <>
      <h1>Merchants</h1>
      {me.role === "ADMIN" ? (
        <section className="card" aria-labelledby="create-heading">
          <h2 id="create-heading">Create a merchant</h2>
          <CreateMerchantForm />
        </section>
      ) : null}
      <table className="responsive">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Id</th>
            <th scope="col">Fee</th>
            <th scope="col">Review / decline at</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {merchants.map((merchant) => (
            <tr key={merchant.id}>
              <td data-label="Name">
                <Link href={`/merchants/${merchant.id}`}>{merchant.name}</Link>
              </td>
              <td data-label="Id" className="mono">
                {merchant.id}
              </td>
              <td data-label="Fee">
                {feePercent(merchant.feeRateBps)} + {merchant.feeFixedMinor}{" "}
                <span className="muted">minor units</span>
              </td>
              <td data-label="Review / decline at">
                {merchant.riskReviewThreshold} / {merchant.riskDeclineThreshold}
              </td>
              <td data-label="Created">
                <DateTime iso={merchant.createdAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {merchants.length === 0 ? <p className="muted">No merchants yet.</p> : null}
    </>
  );
}
