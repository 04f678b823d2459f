"use client";
// Uploads a PSP's settlement report for import: the file is sent as the request body (streamed by the browser, never
// read whole by the page) to POST /reconciliation/import, with the CSRF token every mutation carries.
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { readCsrfCookie } from "../../../trpc/client";

type Outcome =
  | { kind: "imported"; text: string }
  | { kind: "error"; text: string }
  | { kind: "idle" }
  | { kind: "sending" };

export function ReportUploadForm() {
  const router = useRouter();
  const [psp, setPsp] = useState<"adyen" | "stripe">("adyen");
  const [file, setFile] = useState<File | null>(null);
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (file === null) return;
    setOutcome({ kind: "sending" });
    const query = new URLSearchParams({ psp, fileName: file.name.replace(/[^\w.-]/g, "_").slice(0, 255) });
    try {
      const response = await fetch(`/reconciliation/import?${query}`, {
        method: "POST",
        headers: { "content-type": "text/csv", "x-csrf-token": readCsrfCookie() ?? "" },
        body: file,
      });
      const body = (await response.json().catch(() => ({}))) as {
        error?: string;
        replayed?: boolean;
        lineCount?: number;
        categoryCounts?: Record<string, number>;
      };
      if (!response.ok) {
        setOutcome({ kind: "error", text: body.error ?? `The import failed (HTTP ${response.status}).` });
        // A refused file is recorded as a run (with its line and reason): show it in the list below.
        router.refresh();
        return;
      }
      const counts = Object.entries(body.categoryCounts ?? {})
        .map(([category, count]) => `${count} ${category}`)
        .join(", ");
      setOutcome({
        kind: "imported",
        text: `${body.replayed ? "Already imported" : "Imported"}: ${body.lineCount ?? 0} ${body.lineCount === 1 ? "line" : "lines"}${counts ? ` (${counts})` : ""}.`,
      });
      router.refresh();
    } catch {
      setOutcome({ kind: "error", text: "The console could not be reached. Try again." });
    }
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Import a settlement report">
      <label className="field">
        PSP
        <select value={psp} onChange={(event) => setPsp(event.target.value as "adyen" | "stripe")}>
          <option value="adyen">adyen (settlement details report)</option>
          <option value="stripe">stripe (itemized balance change report)</option>
        </select>
      </label>
      <label className="field">
        Report file (CSV)
        <input
          required
          type="file"
          accept=".csv,text/csv"
          onChange={(event) => setFile(event.target.files?.[0] ?? null)}
        />
      </label>
      <button type="submit" disabled={outcome.kind === "sending" || file === null}>
        Import
      </button>
      {outcome.kind === "imported" ? (
        <p className="notice" role="status">
          {outcome.text}
        </p>
      ) : null}
      {outcome.kind === "error" ? (
        <p className="error" role="alert">
          {outcome.text}
        </p>
      ) : null}
    </form>
  );
}
