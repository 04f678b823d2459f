// One merchant: its settings (admins edit them), balances per mode and currency, and its API keys.
import type { Metadata } from "next";
import Link from "next/link";
import { handleProcedureError, requireOperator, serverCaller } from "../../../../trpc/server";
import { DataTable } from "../../data-table";
import { Amount, DateTime, feePercent } from "../../format";
import { DisputeFeeForm, FixedFeeForm, FundingFeeForm, SettlementForm } from "../currency-forms";
import {
  AllowedOriginsForm,
  CreateKeyForm,
  EditSettingsForm,
  KeyActions,
  KeyOriginsForm,
} from "../merchant-forms";
import { SignedRequestsForm, SigningSecretForm } from "../signed-request-forms";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  return { title: `Merchant ${id.slice(0, 64)}` };
}

export default async function MerchantPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const me = await requireOperator();
  const caller = await serverCaller();
  const { merchant, balances, keys, allowedOrigins } = await caller.merchants
    .detail({ merchantId: id })
    .catch(handleProcedureError);
  // Multiple currencies (issue 18): settlement currencies, FX fee, fixed fee per currency.
  const currencies = await caller.merchants.currencies({ merchantId: id }).catch(handleProcedureError);
  // Signed requests (issue 22): the requirement and the secret keys' signing secrets (hints only).
  const signing = await caller.merchants.signedRequests({ merchantId: id }).catch(handleProcedureError);
  const isAdmin = me.role === "ADMIN";
  // Hosted card fields (issue 20): each active publishable key's own allowed parent origins.
  const publishableKeys = keys.filter((key) => key.kind === "PUBLISHABLE" && key.revokedAt === null);
  return (
    <>
      <p>
        <Link href="/merchants">← Merchants</Link>
      </p>
      <h1>{merchant.name}</h1>
      <p>
        <Link href={`/merchants/${encodeURIComponent(merchant.id)}/webhooks`}>Webhooks</Link> ·{" "}
        <Link href={`/merchants/${encodeURIComponent(merchant.id)}/balance`}>Balance and payouts</Link>
      </p>
      <div className="grid">
        <section className="card" aria-labelledby="settings-heading">
          <h2 id="settings-heading">Settings</h2>
          <dl className="facts">
            <dt>Id</dt>
            <dd className="mono">{merchant.id}</dd>
            <dt>Fee</dt>
            <dd>
              {feePercent(merchant.feeRateBps)} ({merchant.feeRateBps} bps) + a fixed fee per currency
              (default {merchant.feeFixedMinor} hundredths of a major unit)
            </dd>
            <dt>Review at score</dt>
            <dd>{merchant.riskReviewThreshold}</dd>
            <dt>Decline at score</dt>
            <dd>{merchant.riskDeclineThreshold}</dd>
            <dt>Created</dt>
            <dd>
              <DateTime iso={merchant.createdAt} />
            </dd>
          </dl>
        </section>
        {/* The whole row: mode, currency and three 13-digit KWD amounts did not fit half of 1280 px. */}
        <section className="card wide" aria-labelledby="balances-heading">
          <h2 id="balances-heading">Balances</h2>
          <DataTable
            rows={balances}
            rowKey={(balance) => `${balance.mode}-${balance.currency}`}
            empty="No balance yet in either mode."
            columns={[
              { label: "Mode", nowrap: true, cell: (balance) => balance.mode.toLowerCase() },
              { label: "Currency", nowrap: true, cell: (balance) => balance.currency },
              {
                label: "Available",
                amount: true,
                cell: (balance) => <Amount minor={balance.availableMinor} currency={balance.currency} />,
              },
              {
                label: "Pending",
                amount: true,
                cell: (balance) => <Amount minor={balance.pendingMinor} currency={balance.currency} />,
              },
              {
                label: "Fees",
                amount: true,
                cell: (balance) => <Amount minor={balance.feesMinor} currency={balance.currency} />,
              },
            ]}
          />
        </section>
      </div>
      <section className="card" aria-labelledby="currencies-heading">
        <h2 id="currencies-heading">Currencies and fixed fees</h2>
        <dl className="facts">
          <dt>Settles in</dt>
          <dd>
            {currencies.settlementCurrencies.length === 0
              ? "each payment's own currency"
              : `${currencies.settlementCurrencies.join(", ")} (others convert to ${currencies.settlementCurrencies[0]} on capture)`}
          </dd>
          <dt>FX fee</dt>
          <dd>
            {feePercent(currencies.fxFeeBps)} ({currencies.fxFeeBps} bps)
          </dd>
        </dl>
        {currencies.fixedFees.length === 0 ? (
          <p className="muted">Default fixed fee in every currency.</p>
        ) : (
          <table>
            <caption>Fixed fee per currency</caption>
            <thead>
              <tr>
                <th scope="col">Currency</th>
                <th scope="col" className="amount">
                  Fixed fee
                </th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>
              {currencies.fixedFees.map((fee) => (
                <tr key={fee.currency} data-testid={`fixed-fee-${fee.currency}`}>
                  <td>{fee.currency}</td>
                  <td className="amount">
                    <Amount minor={fee.fixedMinor} currency={fee.currency} />
                  </td>
                  <td>{fee.source === "MERCHANT" ? "this merchant" : "default"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {currencies.fundingFees.length === 0 ? (
          <p className="muted">Every card funding type pays the default fee.</p>
        ) : (
          <table>
            <caption>Fee per card funding type</caption>
            <thead>
              <tr>
                <th scope="col">Funding type</th>
                <th scope="col">Rate</th>
                <th scope="col">Fixed fee</th>
              </tr>
            </thead>
            <tbody>
              {currencies.fundingFees.map((rule) => (
                <tr key={rule.fundingType} data-testid={`funding-fee-${rule.fundingType}`}>
                  <td>{rule.fundingType}</td>
                  <td>
                    {feePercent(rule.rateBps)} ({rule.rateBps} bps)
                  </td>
                  <td>
                    {rule.fixedHundredths === null
                      ? "the currency's usual"
                      : `${rule.fixedHundredths} hundredths of a major unit`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {isAdmin ? (
          <>
            <SettlementForm
              merchantId={merchant.id}
              initial={{
                settlementCurrencies: currencies.settlementCurrencies,
                fxFeeBps: currencies.fxFeeBps,
              }}
            />
            <FixedFeeForm merchantId={merchant.id} />
            <FundingFeeForm merchantId={merchant.id} />
          </>
        ) : null}
      </section>
      <section className="card" aria-labelledby="dispute-fees-heading">
        <h2 id="dispute-fees-heading">Dispute fees</h2>
        {currencies.disputeFees.length === 0 ? (
          <p className="muted">
            Default dispute fee (15.00 in the currency&apos;s major unit) in every currency.
          </p>
        ) : (
          <table>
            <caption>Dispute fee per currency (the default in any other)</caption>
            <thead>
              <tr>
                <th scope="col">Currency</th>
                <th scope="col" className="amount">
                  Dispute fee
                </th>
              </tr>
            </thead>
            <tbody>
              {currencies.disputeFees.map((fee) => (
                <tr key={fee.currency} data-testid={`dispute-fee-${fee.currency}`}>
                  <td>{fee.currency}</td>
                  <td className="amount">
                    <Amount minor={fee.feeMinor} currency={fee.currency} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {isAdmin ? <DisputeFeeForm merchantId={merchant.id} /> : null}
      </section>
      {isAdmin ? (
        <section className="card" aria-labelledby="edit-heading">
          <h2 id="edit-heading">Edit fee and risk settings</h2>
          <EditSettingsForm
            merchantId={merchant.id}
            initial={{
              feeRateBps: merchant.feeRateBps,
              feeFixedMinor: merchant.feeFixedMinor,
              riskReviewThreshold: merchant.riskReviewThreshold,
              riskDeclineThreshold: merchant.riskDeclineThreshold,
            }}
          />
        </section>
      ) : null}
      <section className="card" aria-labelledby="origins-heading">
        <h2 id="origins-heading">Allowed origins</h2>
        <p>Pages that may use the publishable keys (CORS).</p>
        {isAdmin ? (
          <AllowedOriginsForm merchantId={merchant.id} initial={allowedOrigins} />
        ) : allowedOrigins.length === 0 ? (
          <p>None.</p>
        ) : (
          <ul>
            {allowedOrigins.map((origin) => (
              <li key={origin}>{origin}</li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="card-field-origins-heading">
        <h2 id="card-field-origins-heading">Card-field origins</h2>
        <p>
          Per publishable key: the pages that may embed its hosted card fields and receive their payment
          method.
        </p>
        {publishableKeys.length === 0 ? (
          <p className="muted">No active publishable key.</p>
        ) : (
          // A list, not a table: the keys' table below is the page's one table of keys.
          <ul aria-label="Card-field origins of the active publishable keys">
            {publishableKeys.map((key) => (
              <li key={key.id} data-testid={`origins-${key.id}`}>
                {isAdmin ? (
                  <KeyOriginsForm
                    merchantId={merchant.id}
                    keyId={key.id}
                    label={`${key.mode.toLowerCase()} key ${key.displayHint}`}
                    initial={key.allowedOrigins}
                  />
                ) : (
                  <>
                    <span className="mono">{key.displayHint}</span>:{" "}
                    {key.allowedOrigins.length === 0 ? "none" : key.allowedOrigins.join(", ")}
                  </>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="signing-heading">
        <h2 id="signing-heading">Signed requests</h2>
        <p data-testid="signing-required">
          {signing.required
            ? "Required: every request with a secret key must be signed."
            : "Optional: a signed request is checked; an unsigned one is accepted."}
        </p>
        {signing.keys.length === 0 ? (
          <p className="muted">No active secret key.</p>
        ) : (
          // A list, not a table: the keys' table below is the page's one table of keys.
          <ul aria-label="Signing secrets of the active secret keys">
            {signing.keys.map((key) => (
              <li key={key.apiKeyId} data-testid={`signing-${key.apiKeyId}`}>
                <span className="mono">{key.displayHint}</span>: signing secret{" "}
                <span className="mono">
                  {key.signingSecretHint === null ? "none" : `…${key.signingSecretHint}`}
                </span>
              </li>
            ))}
          </ul>
        )}
        {isAdmin ? (
          <>
            <SignedRequestsForm merchantId={merchant.id} required={signing.required} />
            {signing.keys.length > 0 ? (
              <SigningSecretForm merchantId={merchant.id} keys={signing.keys} />
            ) : null}
          </>
        ) : null}
      </section>
      <section className="card" aria-labelledby="keys-heading">
        <h2 id="keys-heading">API keys</h2>
        {isAdmin ? <CreateKeyForm merchantId={merchant.id} /> : null}
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Kind</th>
              <th scope="col">Mode</th>
              <th scope="col">Created</th>
              <th scope="col">Revoked</th>
              {isAdmin ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr key={key.id} data-testid={`key-${key.id}`}>
                <td data-label="Key" className="mono">
                  {key.displayHint}
                </td>
                <td data-label="Kind">{key.kind.toLowerCase()}</td>
                <td data-label="Mode">{key.mode.toLowerCase()}</td>
                <td data-label="Created">
                  <DateTime iso={key.createdAt} />
                </td>
                <td data-label="Revoked">
                  {key.revokedAt ? <DateTime iso={key.revokedAt} /> : <span className="muted">active</span>}
                </td>
                {isAdmin ? (
                  <td data-label="Actions">
                    {key.revokedAt ? null : (
                      <KeyActions merchantId={merchant.id} keyId={key.id} label={`key ${key.displayHint}`} />
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
        {keys.length === 0 ? <p className="muted">No API keys yet.</p> : null}
      </section>
    </>
  );
}
