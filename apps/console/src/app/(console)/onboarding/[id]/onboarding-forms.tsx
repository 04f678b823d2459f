"use client";
// The onboarding review's forms (issue 22): an operator's decision with its note (after a confirmation step), the
// business details entered for the merchant, and KYC documents (PDF, PNG or JPEG, checked by content on the server).
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { errorMessage, useTRPC } from "../../../../trpc/client";
import { ConfirmDialog } from "../../confirm-dialog";
import { SaveStatus } from "../../merchants/save-status";

type Decision = "APPROVE" | "RESTRICT" | "REJECT";

const DECISIONS: Record<string, Decision[]> = {
  PENDING_VERIFICATION: ["APPROVE", "RESTRICT", "REJECT"],
  VERIFIED: ["RESTRICT"],
  RESTRICTED: ["APPROVE", "REJECT"],
};

const VERB: Record<Decision, string> = { APPROVE: "Approve", RESTRICT: "Restrict", REJECT: "Reject" };
const CONSEQUENCE: Record<Decision, string> = {
  APPROVE: "The merchant becomes verified: no live limit, live payouts released.",
  RESTRICT: "Live payments and payouts are refused until an operator approves it again.",
  REJECT: "Rejected for good: no live payments or payouts, and no later approval.",
};

export function DecisionForm({ merchantId, status }: { merchantId: string; status: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [note, setNote] = useState("");
  const [confirming, setConfirming] = useState<Decision | null>(null);
  const decide = useMutation(
    trpc.onboarding.decide.mutationOptions({
      onSuccess: () => {
        setConfirming(null);
        setNote("");
        router.refresh();
      },
    }),
  );
  const choices = DECISIONS[status] ?? [];
  return (
    <form className="stack" aria-label="Decision" onSubmit={(event: FormEvent) => event.preventDefault()}>
      <label className="field">
        Note (why; kept in the audit log)
        <textarea rows={2} maxLength={2000} value={note} onChange={(event) => setNote(event.target.value)} />
      </label>
      {confirming === null ? (
        <div className="row">
          {choices.map((decision) => (
            <button
              key={decision}
              type="button"
              className={decision === "APPROVE" ? undefined : "danger"}
              disabled={note.trim().length === 0}
              onClick={() => setConfirming(decision)}
            >
              {VERB[decision]}
            </button>
          ))}
        </div>
      ) : (
        <ConfirmDialog
          label="Confirm the decision"
          confirmLabel={`Confirm: ${VERB[confirming].toLowerCase()}`}
          pending={decide.isPending}
          onConfirm={() => decide.mutate({ merchantId, decision: confirming, note })}
          onBack={() => setConfirming(null)}
        >
          {CONSEQUENCE[confirming]}
        </ConfirmDialog>
      )}
      {decide.isError ? (
        <p className="error" role="alert">
          {errorMessage(decide.error)}
        </p>
      ) : null}
    </form>
  );
}

const EMPTY_DETAILS = {
  legalName: "",
  country: "",
  registrationNumber: "",
  representativeName: "",
  representativeBirthDate: "",
  website: "",
  expectedMonthlyVolumeMinor: "",
  expectedVolumeCurrency: "EUR",
};

const DETAIL_FIELDS: Array<{ name: keyof typeof EMPTY_DETAILS; label: string; type?: string; max: number }> =
  [
    { name: "legalName", label: "Legal name", max: 200 },
    { name: "country", label: "Country (ISO code, e.g. DE)", max: 2 },
    { name: "registrationNumber", label: "Registration number", max: 64 },
    { name: "representativeName", label: "Representative", max: 200 },
    { name: "representativeBirthDate", label: "Representative's date of birth", type: "date", max: 10 },
    { name: "website", label: "Website", type: "url", max: 300 },
    { name: "expectedMonthlyVolumeMinor", label: "Expected monthly volume (minor units)", max: 16 },
    { name: "expectedVolumeCurrency", label: "Volume currency", max: 3 },
  ];

export function DetailsForm({ merchantId }: { merchantId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [values, setValues] = useState(EMPTY_DETAILS);
  const submit = useMutation(
    trpc.onboarding.submitDetails.mutationOptions({ onSuccess: () => router.refresh() }),
  );
  return (
    <form
      className="stack"
      aria-label="Business details"
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        submit.mutate({
          merchantId,
          ...values,
          country: values.country.toUpperCase(),
          expectedVolumeCurrency: values.expectedVolumeCurrency.toUpperCase(),
        });
      }}
    >
      {DETAIL_FIELDS.map((field) => (
        <label key={field.name} className="field">
          {field.label}
          <input
            name={field.name}
            type={field.type ?? "text"}
            required
            maxLength={field.max}
            value={values[field.name]}
            onChange={(event) => setValues({ ...values, [field.name]: event.target.value })}
          />
        </label>
      ))}
      <button type="submit" disabled={submit.isPending}>
        Save details
      </button>
      <SaveStatus mutation={submit} />
    </form>
  );
}

const MAX_FILES = 3;
const MAX_FILE_BYTES = 256 * 1024;

async function toBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function DocumentsForm({ merchantId }: { merchantId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [files, setFiles] = useState<File[]>([]);
  const [localError, setLocalError] = useState<string | null>(null);
  const upload = useMutation(
    trpc.onboarding.addDocuments.mutationOptions({ onSuccess: () => router.refresh() }),
  );
  const send = async (event: FormEvent) => {
    event.preventDefault();
    setLocalError(null);
    if (files.length === 0) return setLocalError("Choose a file.");
    if (files.length > MAX_FILES) return setLocalError(`At most ${MAX_FILES} files.`);
    if (files.some((file) => file.size > MAX_FILE_BYTES)) return setLocalError("A file is at most 256 KiB.");
    const encoded = await Promise.all(
      files.map(async (file) => ({ filename: file.name, base64: await toBase64(file) })),
    );
    upload.mutate({ merchantId, files: encoded });
  };
  return (
    <form className="stack" aria-label="Upload documents" onSubmit={(event) => void send(event)}>
      <label className="field">
        Documents (PDF, PNG or JPEG, up to three of 256 KiB)
        <input
          type="file"
          name="documents"
          multiple
          accept="application/pdf,image/png,image/jpeg"
          onChange={(event) => setFiles(Array.from(event.target.files ?? []))}
        />
      </label>
      <button type="submit" disabled={upload.isPending}>
        Upload
      </button>
      {localError ? (
        <p className="error" role="alert">
          {localError}
        </p>
      ) : null}
      <SaveStatus mutation={upload} />
    </form>
  );
}
