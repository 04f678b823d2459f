"use client";
// Endpoint management for operators and admins: create (the signing secret shown once, with a copy button),
// edit the URL and events, disable/enable/delete (confirmed first), and roll the secret with an overlap.
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { errorMessage, useTRPC } from "../../../../../trpc/client";

function SecretOnce({ secret }: { secret: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div role="status" className="notice stack">
      <p>
        The signing secret, shown only now: store it where the receiver can read it.{" "}
        <code data-testid="endpoint-secret" className="mono">
          {secret}
        </code>
      </p>
      <div>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            void navigator.clipboard?.writeText(secret).then(() => setCopied(true));
          }}
        >
          Copy secret
        </button>
        {copied ? <span className="muted"> copied</span> : null}
      </div>
    </div>
  );
}

function EventChoices({
  eventTypes,
  selected,
  onChange,
  legend,
}: {
  eventTypes: string[];
  selected: string[];
  onChange: (next: string[]) => void;
  legend: string;
}) {
  const all = selected.includes("*");
  return (
    <fieldset>
      <legend>{legend}</legend>
      <label>
        <input type="checkbox" checked={all} onChange={() => onChange(all ? [] : ["*"])} /> Every event (*)
      </label>
      {all ? null : (
        <div className="row">
          {eventTypes.map((type) => (
            <label key={type}>
              <input
                type="checkbox"
                checked={selected.includes(type)}
                onChange={() =>
                  onChange(selected.includes(type) ? selected.filter((t) => t !== type) : [...selected, type])
                }
              />{" "}
              {type}
            </label>
          ))}
        </div>
      )}
    </fieldset>
  );
}

export function CreateEndpointForm({ merchantId, eventTypes }: { merchantId: string; eventTypes: string[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [url, setUrl] = useState("");
  const [mode, setMode] = useState<"TEST" | "LIVE">("TEST");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<string[]>(["*"]);
  const create = useMutation(
    trpc.webhooks.createEndpoint.mutationOptions({
      onSuccess: () => {
        setUrl("");
        setDescription("");
        router.refresh();
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ merchantId, mode, url, enabledEvents: events, description: description || null });
  };
  return (
    <form className="stack" onSubmit={submit} aria-label="Add a webhook endpoint">
      <label className="field">
        URL
        <input
          name="url"
          type="url"
          required
          maxLength={2048}
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder="https://example.com/webhooks"
        />
      </label>
      <label className="field">
        Mode
        <select
          name="mode"
          value={mode}
          onChange={(e) => setMode(e.target.value === "LIVE" ? "LIVE" : "TEST")}
        >
          <option value="TEST">test</option>
          <option value="LIVE">live</option>
        </select>
      </label>
      <label className="field">
        Description
        <input
          name="description"
          maxLength={500}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </label>
      <EventChoices eventTypes={eventTypes} selected={events} onChange={setEvents} legend="Events" />
      <div>
        <button type="submit" disabled={create.isPending || events.length === 0}>
          Add endpoint
        </button>
      </div>
      {create.error ? (
        <p role="alert" className="error">
          {errorMessage(create.error)}
        </p>
      ) : null}
      {create.data?.secret ? <SecretOnce secret={create.data.secret} /> : null}
    </form>
  );
}

type Change = "ENABLE" | "DISABLE" | "DELETE";

export function EndpointActions(props: {
  merchantId: string;
  endpointId: string;
  status: string;
  url: string;
  enabledEvents: string[];
  eventTypes: string[];
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [confirming, setConfirming] = useState<Change | null>(null);
  const [editing, setEditing] = useState(false);
  const [url, setUrl] = useState(props.url);
  const [events, setEvents] = useState<string[]>(props.enabledEvents);
  const refresh = { onSuccess: () => router.refresh() };
  const state = useMutation(
    trpc.webhooks.setEndpointState.mutationOptions({
      onSuccess: () => {
        setConfirming(null);
        router.refresh();
      },
    }),
  );
  const roll = useMutation(trpc.webhooks.rollSecret.mutationOptions(refresh));
  const update = useMutation(
    trpc.webhooks.updateEndpoint.mutationOptions({
      onSuccess: () => {
        setEditing(false);
        router.refresh();
      },
    }),
  );
  const error = state.error ?? roll.error ?? update.error;
  const label = `endpoint ${props.url}`;
  return (
    <div className="stack">
      {confirming === null ? (
        <div className="row">
          {props.status === "ENABLED" ? (
            <button
              type="button"
              className="secondary"
              aria-label={`Disable ${label}`}
              onClick={() => setConfirming("DISABLE")}
            >
              Disable
            </button>
          ) : (
            <button
              type="button"
              className="secondary"
              aria-label={`Enable ${label}`}
              onClick={() => setConfirming("ENABLE")}
            >
              Enable
            </button>
          )}
          <button
            type="button"
            className="secondary"
            aria-label={`Delete ${label}`}
            onClick={() => setConfirming("DELETE")}
          >
            Delete
          </button>
          <button
            type="button"
            className="secondary"
            aria-label={`Roll the secret of ${label}`}
            disabled={roll.isPending}
            onClick={() =>
              roll.mutate({ merchantId: props.merchantId, endpointId: props.endpointId, overlapHours: 24 })
            }
          >
            Roll secret
          </button>
          <button
            type="button"
            className="secondary"
            aria-label={`Edit ${label}`}
            onClick={() => setEditing(!editing)}
          >
            Edit
          </button>
        </div>
      ) : (
        <div role="alertdialog" aria-label={`Confirm ${confirming.toLowerCase()}`} className="row">
          <span>
            {confirming === "DELETE"
              ? "Delete this endpoint for good?"
              : `${confirming.toLowerCase()} this endpoint?`}
          </span>
          <button
            type="button"
            disabled={state.isPending}
            onClick={() =>
              state.mutate({ merchantId: props.merchantId, endpointId: props.endpointId, change: confirming })
            }
          >
            Confirm
          </button>
          <button type="button" className="secondary" onClick={() => setConfirming(null)}>
            Cancel
          </button>
        </div>
      )}
      {editing ? (
        <form
          className="stack"
          aria-label={`Edit ${label}`}
          onSubmit={(event) => {
            event.preventDefault();
            update.mutate({
              merchantId: props.merchantId,
              endpointId: props.endpointId,
              url,
              enabledEvents: events,
            });
          }}
        >
          <label className="field">
            URL
            <input
              type="url"
              required
              maxLength={2048}
              value={url}
              onChange={(e) => setUrl(e.target.value)}
            />
          </label>
          <EventChoices
            eventTypes={props.eventTypes}
            selected={events}
            onChange={setEvents}
            legend="Events"
          />
          <div>
            <button type="submit" disabled={update.isPending || events.length === 0}>
              Save
            </button>
          </div>
        </form>
      ) : null}
      {roll.data?.secret ? (
        <>
          <p className="muted">The previous secret keeps signing for 24 hours.</p>
          <SecretOnce secret={roll.data.secret} />
        </>
      ) : null}
      {error ? (
        <p role="alert" className="error">
          {errorMessage(error)}
        </p>
      ) : null}
    </div>
  );
}
