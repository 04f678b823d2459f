// Goal: the checkout session table allows exactly OPEN -> COMPLETE and OPEN -> EXPIRED; both ends are final.
import { describe, expect, it } from "vitest";
import {
  CHECKOUT_SESSION_EVENTS,
  CHECKOUT_SESSION_STATUSES,
  checkoutSessionTransition,
  checkoutSessionTransitionEdges,
} from "./checkout-session-state-machine";

describe("checkout session state machine", () => {
  it("pays or expires an open session, and nothing else", () => {
    expect(checkoutSessionTransition("OPEN", "PAID")).toBe("COMPLETE");
    expect(checkoutSessionTransition("OPEN", "EXPIRED")).toBe("EXPIRED");
    for (const from of CHECKOUT_SESSION_STATUSES.filter((s) => s !== "OPEN"))
      for (const event of CHECKOUT_SESSION_EVENTS) expect(checkoutSessionTransition(from, event)).toBeNull();
    expect(checkoutSessionTransitionEdges()).toEqual([
      ["OPEN", "COMPLETE"],
      ["OPEN", "EXPIRED"],
    ]);
  });
});
