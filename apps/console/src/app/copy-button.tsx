"use client";
// Copies a secret shown once (an API key, a one-time password, a TOTP key) to the clipboard and says so. Where
// the clipboard is refused (no permission, an insecure origin), it selects the text for the operator to copy.
import { useState } from "react";

export function CopyButton({ text, label, targetId }: { text: string; label: string; targetId?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "select">("idle");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      const target = targetId ? document.getElementById(targetId) : null;
      if (target) window.getSelection()?.selectAllChildren(target);
      setState("select");
    }
  };
  return (
    <>
      <button
        type="button"
        className="secondary copy"
        onClick={() => void copy()}
        aria-label={`Copy ${label}`}
      >
        Copy
      </button>
      <span aria-live="polite" className="muted small">
        {state === "copied" ? "Copied." : state === "select" ? "Selected: press Ctrl+C (⌘C) to copy." : ""}
      </span>
    </>
  );
}
