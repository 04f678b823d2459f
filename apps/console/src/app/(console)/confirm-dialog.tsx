"use client";
// The second step of an irreversible action: what it will do, in words, with Confirm and Back.
import type { ReactNode } from "react";

export function ConfirmDialog({
  label,
  confirmLabel,
  pending,
  onConfirm,
  onBack,
  testId,
  children,
}: {
  /** The dialog's accessible name. */
  label: string;
  confirmLabel: ReactNode;
  /** Confirm is disabled while the action runs. */
  pending: boolean;
  onConfirm: () => void;
  onBack: () => void;
  /** A test id on the paragraph that says what will happen. */
  testId?: string;
  /** What confirming does. */
  children: ReactNode;
}) {
  return (
    <div className="card attention-on" role="alertdialog" aria-label={label}>
      <p data-testid={testId}>{children}</p>
      <div className="row">
        <button type="button" disabled={pending} onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button type="button" className="secondary" onClick={onBack}>
          Back
        </button>
      </div>
    </div>
  );
}
