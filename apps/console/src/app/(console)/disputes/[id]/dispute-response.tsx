"use client";
// Evidence on the merchant's behalf (text fields and up to three PDF, PNG or JPEG files, checked by content on the
// server, each with the kind of document it is: the PSP files it by kind), or acceptance of the dispute; each after a confirmation step. One idempotency key per form rendering:
// a double submit sends the evidence once.
import type { EvidenceFileKind } from "@paycore/core/disputes/dispute-evidence";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { errorMessage, useTRPC } from "../../../../trpc/client";

const MAX_FILES = 3;
const MAX_FILE_BYTES = 256 * 1024;

const TEXT_FIELDS = [
  { name: "productDescription", label: "Product or service description", max: 5_000 },
  { name: "customerCommunication", label: "Communication with the customer", max: 10_000 },
  { name: "shippingTracking", label: "Shipping tracking", max: 500 },
  { name: "refundPolicy", label: "Refund policy", max: 10_000 },
  { name: "uncategorizedText", label: "Anything else", max: 10_000 },
] as const;

type TextName = (typeof TEXT_FIELDS)[number]["name"];

async function toBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The kinds a document may have (the core's list, handed down by the page). */
export interface FileKindOption {
  value: EvidenceFileKind;
  label: string;
}

const UNCATEGORIZED: EvidenceFileKind = "UNCATEGORIZED";

export function DisputeResponse({
  disputeId,
  fileKinds,
}: {
  disputeId: string;
  fileKinds: readonly FileKindOption[];
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [key] = useState(() => crypto.randomUUID());
  const [texts, setTexts] = useState<Partial<Record<TextName, string>>>({});
  const [files, setFiles] = useState<File[]>([]);
  // One kind per chosen file, in the same order; a new choice of files starts them all uncategorized.
  const [kinds, setKinds] = useState<EvidenceFileKind[]>([]);
  const [confirming, setConfirming] = useState<"evidence" | "accept" | null>(null);
  const [localError, setLocalError] = useState<string | null>(null);
  const done = {
    onSuccess: () => {
      setConfirming(null);
      router.refresh();
    },
  };
  const submit = useMutation(trpc.disputes.submitEvidence.mutationOptions(done));
  const accept = useMutation(trpc.disputes.accept.mutationOptions(done));
  const pending = submit.isPending || accept.isPending;

  const review = (event: FormEvent) => {
    event.preventDefault();
    setLocalError(null);
    if (files.length > MAX_FILES) return setLocalError(`At most ${MAX_FILES} files.`);
    if (files.some((file) => file.size > MAX_FILE_BYTES)) return setLocalError("A file is at most 256 KiB.");
    if (Object.values(texts).every((value) => !value?.trim()) && files.length === 0)
      return setLocalError("Write something or attach a file.");
    setConfirming("evidence");
  };
  const send = async () => {
    const encoded = await Promise.all(
      files.map(async (file, index) => ({
        filename: file.name,
        kind: kinds[index] ?? UNCATEGORIZED,
        base64: await toBase64(file),
      })),
    );
    submit.mutate({ disputeId, idempotencyKey: key, ...texts, files: encoded });
  };
  const failed = submit.error ?? accept.error;
  /** The chosen kinds as the confirmation names them: ": Receipt, Other document". */
  const describeKinds = () =>
    files.length === 0
      ? ""
      : `: ${files
          .map(
            (_, index) =>
              fileKinds.find((option) => option.value === kinds[index])?.label ?? "Other document",
          )
          .join(", ")}`;
  return (
    <div className="stack">
      <form className="stack" onSubmit={review} aria-label="Submit evidence">
        {TEXT_FIELDS.map((field) => (
          <label key={field.name} className="field">
            {field.label}
            <textarea
              name={field.name}
              maxLength={field.max}
              rows={2}
              value={texts[field.name] ?? ""}
              onChange={(e) => setTexts({ ...texts, [field.name]: e.target.value })}
            />
          </label>
        ))}
        <label className="field">
          Files (PDF, PNG or JPEG, up to three of 256 KiB)
          <input
            type="file"
            name="files"
            multiple
            accept="application/pdf,image/png,image/jpeg"
            onChange={(e) => {
              const chosen = Array.from(e.target.files ?? []);
              setFiles(chosen);
              setKinds(chosen.map(() => UNCATEGORIZED));
            }}
          />
        </label>
        {files.length > 0 ? (
          <fieldset className="stack" data-testid="evidence-file-kinds">
            <legend>What each file is</legend>
            {files.map((file, index) => (
              <label key={`${file.name}:${file.size}:${file.lastModified}`} className="field">
                <span className="mono">{file.name}</span>
                <select
                  name={`fileKind${index}`}
                  value={kinds[index] ?? UNCATEGORIZED}
                  onChange={(e) => {
                    const chosen = fileKinds.find((option) => option.value === e.target.value)?.value;
                    if (chosen) setKinds(kinds.map((kind, at) => (at === index ? chosen : kind)));
                  }}
                >
                  {fileKinds.map((option) => (
                    <option key={option.value} value={option.value}>
                      {option.label}
                    </option>
                  ))}
                </select>
              </label>
            ))}
          </fieldset>
        ) : null}
        {confirming === null ? (
          <div className="row">
            <button type="submit">Review evidence</button>
            <button type="button" className="danger" onClick={() => setConfirming("accept")}>
              Accept the dispute
            </button>
          </div>
        ) : (
          <div className="card attention-on" role="alertdialog" aria-label="Confirm">
            <p data-testid="confirm-dispute-text">
              {confirming === "evidence"
                ? `Send this evidence (${files.length} ${files.length === 1 ? "file" : "files"}${describeKinds()}) to the PSP. The dispute goes under review and no more evidence can be added.`
                : "Accept the dispute: the disputed amount stays with the cardholder. This cannot be undone."}
            </p>
            <div className="row">
              <button
                type="button"
                disabled={pending}
                onClick={() =>
                  confirming === "evidence"
                    ? void send()
                    : accept.mutate({ id: disputeId, idempotencyKey: key })
                }
              >
                {confirming === "evidence" ? "Send evidence" : "Accept"}
              </button>
              <button
                type="button"
                className="secondary"
                disabled={pending}
                onClick={() => setConfirming(null)}
              >
                Back
              </button>
            </div>
          </div>
        )}
      </form>
      {localError ? (
        <p className="error" role="alert">
          {localError}
        </p>
      ) : null}
      {failed ? (
        <p className="error" role="alert">
          {errorMessage(failed)}
        </p>
      ) : null}
      {submit.data ? (
        <p className="notice" role="status">
          Evidence sent ({submit.data.files} {submit.data.files === 1 ? "file" : "files"}); the dispute is now{" "}
          {submit.data.dispute.status.toLowerCase().replace(/_/g, " ")}.
        </p>
      ) : null}
      {accept.data ? (
        <p className="notice" role="status">
          The dispute is now {accept.data.status.toLowerCase()}.
        </p>
      ) : null}
    </div>
  );
}
