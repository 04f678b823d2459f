// Errors as sentences for people. A tRPC call can fail three ways: the server answered a procedure error (its
// message is written for people, with the domain code when there is one), the server or a proxy answered
// something that is not tRPC JSON (an HTML 502 page: the client's parser says "Unexpected token '<'"), or the
// network failed ("Failed to fetch"). Only the first message is ever shown as it is.

export const NETWORK_ERROR_TEXT =
  "The console could not reach its server. Check your connection, then try again.";
export const SERVER_ERROR_TEXT =
  "The server could not complete this. Try again; if it keeps failing, tell an administrator.";

interface ErrorLike {
  message?: unknown;
  data?: { domainCode?: string | null; httpStatus?: number; code?: string } | null;
}

/** A procedure error (or any thrown value) as one sentence. */
export function errorText(error: unknown): string {
  if (!error || typeof error !== "object") return SERVER_ERROR_TEXT;
  const { message, data } = error as ErrorLike;
  if (typeof message !== "string" || message === "") return SERVER_ERROR_TEXT;
  // No tRPC error shape: the answer was not the server's JSON, or there was no answer at all.
  if (!data) {
    if (/failed to fetch|network ?error|load failed|fetch failed|aborted/i.test(message))
      return NETWORK_ERROR_TEXT;
    return SERVER_ERROR_TEXT;
  }
  if ((data.httpStatus ?? 500) >= 500 && !data.domainCode) {
    return data.httpStatus === 503 ? `${sentence(message)} Try again in a moment.` : SERVER_ERROR_TEXT;
  }
  return data.domainCode ? `${sentence(message)} (${data.domainCode})` : sentence(message);
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?)]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
