"use client";
// The required note of an operator's decision, kept in the audit trail: a labelled text area that says when it
// is missing.
import { useId } from "react";

export function AuditNoteField({
  label,
  value,
  onChange,
  maxLength,
  missing,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  maxLength: number;
  /** What to tell the operator when the note is missing; null while it is not. */
  missing: string | null;
}) {
  const id = useId();
  return (
    <>
      <label className="field" htmlFor={id}>
        {label}
      </label>
      <textarea
        id={id}
        rows={2}
        maxLength={maxLength}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={missing !== null}
      />
      {missing ? (
        <p className="error" role="alert">
          {missing}
        </p>
      ) : null}
    </>
  );
}
