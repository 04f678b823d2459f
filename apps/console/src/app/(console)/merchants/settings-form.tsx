"use client";
// The plumbing a merchant's settings forms share (fees and currencies, payout schedule, reserve): a labelled form
// that sends one tRPC mutation and refreshes the page's server data once it is saved, its submit button and
// SaveStatus, and the fields these forms repeat. Each form keeps only its own state and the input it sends.
import { useRouter } from "next/navigation";
import type { FormEvent, ReactNode } from "react";
import { SaveStatus } from "./save-status";

interface SaveMutation {
  isPending: boolean;
  isSuccess: boolean;
  isError: boolean;
  error: unknown;
}

/** The mutation options of a settings form: once saved, the server components read the new settings again. */
export function useRefreshOnSave(): { onSuccess: () => void } {
  const router = useRouter();
  return { onSuccess: () => router.refresh() };
}

export function SettingsForm({
  label,
  submitLabel,
  mutation,
  onSubmit,
  status,
  children,
}: {
  /** The form's accessible name. */
  label: string;
  submitLabel: string;
  mutation: SaveMutation;
  onSubmit: () => void;
  /** Shown instead of the save status when given (e.g. a change waiting for a second admin's approval). */
  status?: ReactNode;
  children: ReactNode;
}) {
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  return (
    <form className="filters" onSubmit={submit} aria-label={label}>
      {children}
      <button type="submit" disabled={mutation.isPending}>
        {submitLabel}
      </button>
      {status ?? <SaveStatus mutation={mutation} />}
    </form>
  );
}

/** A three-letter ISO 4217 code (the server upper-cases and checks it). */
export function CurrencyField({
  label = "Currency",
  value,
  onChange,
  placeholder,
}: {
  label?: string;
  value: string;
  onChange: (value: string) => void;
  placeholder: string;
}) {
  return (
    <label className="field">
      {label}
      <input
        required
        value={value}
        maxLength={3}
        pattern="[A-Za-z]{3}"
        placeholder={placeholder}
        onChange={(event) => onChange(event.target.value)}
      />
    </label>
  );
}

/** A whole number within [min, max]; an emptied field counts as 0. */
export function WholeNumberField({
  label,
  min,
  max,
  value,
  onChange,
}: {
  label: string;
  min: number;
  max: number;
  value: number;
  onChange: (value: number) => void;
}) {
  return (
    <label className="field">
      {label}
      <input
        type="number"
        required
        min={min}
        max={max}
        step={1}
        value={value}
        onChange={(event) => onChange(event.target.value === "" ? 0 : Number(event.target.value))}
      />
    </label>
  );
}

/** An amount in minor units as digits (sent as a string: bigint on the server). */
export function MinorUnitsField({
  label,
  value,
  onChange,
  pattern = "[0-9]*",
  maxLength = 15,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  pattern?: string;
  maxLength?: number;
}) {
  return (
    <label className="field">
      {label}
      <input
        inputMode="numeric"
        value={value}
        maxLength={maxLength}
        pattern={pattern}
        onChange={(event) => onChange(event.target.value)}
      />
    </label>
  );
}

/** An optional field's text: trimmed, or null when left empty (the server then applies its default). */
export function textOrNull(text: string): string | null {
  const trimmed = text.trim();
  return trimmed === "" ? null : trimmed;
}
