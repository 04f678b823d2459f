// 3-D Secure challenges (issue 20) as the sandbox PSPs' test modes simulate them: a card that needs a challenge
// leaves its charge waiting (Stripe "requires_action", Adyen "RedirectShopper"); the customer's browser is sent to
// the challenge page this server serves on its own origin (GET /3ds/challenge/<psp>/<reference>), presses
// "Complete authentication" or "Fail authentication", and is sent back to the merchant's return URL with the PSP's
// return parameter appended (Stripe's payment_intent, Adyen's opaque redirectResult). Each PSP decides what the result does to its charge (its `decide` callback); the merchant
// learns the outcome only by asking the PSP, never from the redirect.
import type { IncomingMessage, ServerResponse } from "node:http";
import { challengePage, challengeResultOf } from "@paycore/psp-testkit/challenge-page";
import type { PspName } from "./charge-ledger";
import { BodyTooLargeError, readBody } from "./http-kit";
import { formatMinorUnits } from "./minor-units";

export interface SandboxChallenge {
  readonly psp: PspName;
  readonly reference: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  /** Where the page sends the customer afterwards; `returnParam`=`returnValue` is appended. */
  readonly returnUrl: string;
  readonly returnParam: string;
  /**
   * What the return carries: Stripe's the PaymentIntent's id; Adyen's an opaque `redirectResult` that only its
   * /payments/details can read (as live Adyen does: the merchant server passes it on as `details.redirectResult`).
   */
  readonly returnValue: string;
  state: "pending" | "authenticated" | "failed";
  /** Applies the result to the PSP's charge; false when the charge cannot take it any more (cancelled). */
  readonly decide: (result: "authenticated" | "failed") => boolean;
}

const CHALLENGES_MAX = 50_000;
const PATH = /^\/3ds\/challenge\/(?<psp>stripe|adyen)\/(?<reference>[A-Za-z0-9_]{1,64})\/?$/;

export class ChallengeBook {
  private readonly challenges = new Map<string, SandboxChallenge>();

  add(challenge: SandboxChallenge): void {
    if (this.challenges.size >= CHALLENGES_MAX) {
      const oldest = this.challenges.keys().next().value;
      if (oldest !== undefined) this.challenges.delete(oldest);
    }
    this.challenges.set(`${challenge.psp}:${challenge.reference}`, challenge);
  }

  get(psp: PspName, reference: string): SandboxChallenge | undefined {
    return this.challenges.get(`${psp}:${reference}`);
  }

  clear(): void {
    this.challenges.clear();
  }

  matches(path: string): boolean {
    return path.startsWith("/3ds/challenge/");
  }

  /** Serves the challenge page (GET) and the customer's choice (POST). */
  async handle(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    const match = PATH.exec(path);
    const challenge =
      match?.groups && this.get(match.groups.psp as PspName, match.groups.reference as string);
    if (!challenge) {
      response
        .writeHead(404, { "content-type": "text/plain; charset=utf-8" })
        .end("No such authentication.\n");
      return;
    }
    if (request.method === "GET") {
      const { html, headers } = challengePage({
        pspName: challenge.psp === "stripe" ? "Stripe-style" : "Adyen-style",
        amount: `${formatMinorUnits(challenge.amountMinor, challenge.currency)} ${challenge.currency}`,
        action: path,
        decided: challenge.state === "pending" ? null : challenge.state,
      });
      response.writeHead(200, headers).end(html);
      return;
    }
    if (request.method !== "POST") {
      response.writeHead(405, { allow: "GET, POST" }).end();
      return;
    }
    let raw: string;
    try {
      raw = await readBody(request);
    } catch (error) {
      response.writeHead(error instanceof BodyTooLargeError ? 413 : 400).end();
      return;
    }
    const result = challengeResultOf(new URLSearchParams(raw));
    if (result === null) {
      response.writeHead(400, { "content-type": "text/plain; charset=utf-8" }).end("Choose an outcome.\n");
      return;
    }
    if (challenge.state === "pending") {
      if (!challenge.decide(result)) {
        response
          .writeHead(404, { "content-type": "text/plain; charset=utf-8" })
          .end("This authentication was cancelled.\n");
        return;
      }
      challenge.state = result;
    }
    const back = new URL(challenge.returnUrl);
    back.searchParams.set(challenge.returnParam, challenge.returnValue);
    response.writeHead(303, { location: back.toString(), "cache-control": "no-store" }).end();
  }
}
