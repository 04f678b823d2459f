// A merchant's webhooks: its endpoints in both modes (a failing one flagged), the latest failed deliveries, and
// one endpoint's delivery log filtered by status and event type, with replay for operators and admins.
import { WEBHOOK_EVENT_TYPES } from "@paycore/core/webhooks/event-types";
import type { Metadata } from "next";
import Link from "next/link";
import { handleProcedureError, requireOperator, serverCaller } from "../../../../../trpc/server";
import { DateTime } from "../../../format";
import { CreateEndpointForm, EndpointActions } from "./endpoint-forms";
import { ReplayButton } from "./replay-button";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  return { title: `Webhooks of merchant ${id.slice(0, 64)}` };
}

const STATUSES = ["PENDING", "SUCCEEDED", "FAILED"] as const;
type DeliveryStatus = (typeof STATUSES)[number];

function first(value: string | string[] | undefined): string | undefined {
  const one = Array.isArray(value) ? value[0] : value;
  return one === undefined || one === "" ? undefined : one.slice(0, 64);
}

export default async function MerchantWebhooksPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const query = await searchParams;
  const me = await requireOperator();
  const endpointId = first(query.endpoint);
  const statusParam = first(query.status);
  const status = STATUSES.includes(statusParam as DeliveryStatus)
    ? (statusParam as DeliveryStatus)
    : undefined;
  const eventType = first(query.type);
  const { endpoints, failures, log } = await (await serverCaller()).webhooks
    .overview({
      merchantId: id,
      ...(endpointId ? { endpointId } : {}),
      ...(status ? { status } : {}),
      ...(eventType ? { eventType } : {}),
    })
    .catch(handleProcedureError);
  const canReplay = me.role === "ADMIN" || me.role === "OPERATOR";
  const deliveryRows = (rows: typeof failures) => (
    <table className="responsive">
      <thead>
        <tr>
          <th scope="col">Created</th>
          <th scope="col">Event</th>
          <th scope="col">Status</th>
          <th scope="col">Attempts</th>
          <th scope="col">Last answer</th>
          {canReplay ? <th scope="col">Replay</th> : null}
        </tr>
      </thead>
      <tbody>
        {rows.map((delivery) => (
          <tr key={delivery.id}>
            <td data-label="Created">
              <DateTime iso={delivery.createdAt} />
            </td>
            <td data-label="Event">
              <span className="mono">{delivery.eventId}</span> {delivery.eventType}
              {delivery.replay ? " (replay)" : ""}
            </td>
            <td data-label="Status">{delivery.status}</td>
            <td data-label="Attempts">{delivery.attemptCount}</td>
            <td data-label="Last answer">
              {delivery.lastStatusCode ?? ""} {delivery.lastError ?? ""}
            </td>
            {canReplay ? (
              <td data-label="Replay">
                <ReplayButton merchantId={id} endpointId={delivery.endpointId} eventId={delivery.eventId} />
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <>
      <p>
        <Link href={`/merchants/${encodeURIComponent(id)}`}>← Merchant</Link>
      </p>
      <h1>Webhooks</h1>
      <section className="card" aria-labelledby="endpoints-heading">
        <h2 id="endpoints-heading">Endpoints</h2>
        {endpoints.length === 0 ? (
          <p className="muted">No webhook endpoint in either mode.</p>
        ) : (
          <table className="responsive">
            <thead>
              <tr>
                <th scope="col">Mode</th>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Status</th>
                <th scope="col">Secret</th>
                <th scope="col">Log</th>
                {canReplay ? <th scope="col">Manage</th> : null}
              </tr>
            </thead>
            <tbody>
              {endpoints.map((endpoint) => (
                <tr key={endpoint.id}>
                  <td data-label="Mode">{endpoint.mode}</td>
                  <td data-label="URL" className="mono">
                    {endpoint.url}
                  </td>
                  <td data-label="Events">{endpoint.enabledEvents.join(", ")}</td>
                  <td data-label="Status">
                    {endpoint.status}
                    {endpoint.needsAttention ? (
                      <strong role="status"> needs attention: disabled after failing since </strong>
                    ) : null}
                    {endpoint.needsAttention && endpoint.failingSince ? (
                      <DateTime iso={endpoint.failingSince} />
                    ) : null}
                  </td>
                  <td data-label="Secret" className="mono">
                    …{endpoint.secretHint}
                  </td>
                  <td data-label="Log">
                    <Link href={`?endpoint=${encodeURIComponent(endpoint.id)}`}>Deliveries</Link>
                  </td>
                  {canReplay ? (
                    <td>
                      <EndpointActions
                        merchantId={id}
                        endpointId={endpoint.id}
                        status={endpoint.status}
                        url={endpoint.url}
                        enabledEvents={endpoint.enabledEvents}
                        eventTypes={[...WEBHOOK_EVENT_TYPES]}
                      />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {canReplay ? (
        <section className="card" aria-labelledby="add-endpoint-heading">
          <h2 id="add-endpoint-heading">Add an endpoint</h2>
          <CreateEndpointForm merchantId={id} eventTypes={[...WEBHOOK_EVENT_TYPES]} />
        </section>
      ) : null}
      <section className="card" aria-labelledby="failures-heading">
        <h2 id="failures-heading">Latest failures</h2>
        {failures.length === 0 ? <p className="muted">No failed delivery.</p> : deliveryRows(failures)}
      </section>
      {log !== null && endpointId ? (
        <section className="card" aria-labelledby="log-heading">
          <h2 id="log-heading">Delivery log</h2>
          <form method="get" className="row">
            <input type="hidden" name="endpoint" value={endpointId} />
            <label>
              Status
              <select name="status" defaultValue={status ?? ""}>
                <option value="">any</option>
                {STATUSES.map((value) => (
                  <option key={value} value={value}>
                    {value}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Event type
              <input name="type" defaultValue={eventType ?? ""} maxLength={64} />
            </label>
            <button type="submit" className="secondary">
              Filter
            </button>
          </form>
          {log.length === 0 ? <p className="muted">No delivery matches.</p> : deliveryRows(log)}
        </section>
      ) : null}
    </>
  );
}
