// Goal: the 3-D Secure return state is the same for a payment on every call (the resolver resends the first
// authorization's body, return URL included), differs per payment and per deployment secret, and verifies only
// the payment's own state.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createThreeDSecureReturnState, RETURN_STATE_LENGTH } from "./return-state";

const secret = randomBytes(32).toString("base64");
const PAYMENT = "pay_01KAAAAAAAAAAAAAAAAAAAAAAA";
const OTHER = "pay_01KBBBBBBBBBBBBBBBBBBBBBBB";

describe("3-D Secure return state", () => {
  it("is deterministic per payment and secret, and hex of the documented length", () => {
    const state = createThreeDSecureReturnState(secret);
    expect(state.stateFor(PAYMENT)).toMatch(new RegExp(`^[0-9a-f]{${RETURN_STATE_LENGTH}}$`));
    expect(createThreeDSecureReturnState(secret).stateFor(PAYMENT)).toBe(state.stateFor(PAYMENT));
    expect(state.stateFor(OTHER)).not.toBe(state.stateFor(PAYMENT));
    expect(createThreeDSecureReturnState(randomBytes(32).toString("base64")).stateFor(PAYMENT)).not.toBe(
      state.stateFor(PAYMENT),
    );
  });

  it("verifies only the payment's own state", () => {
    const state = createThreeDSecureReturnState(secret);
    expect(state.verify(PAYMENT, state.stateFor(PAYMENT))).toBe(true);
    expect(state.verify(OTHER, state.stateFor(PAYMENT))).toBe(false);
    expect(state.verify(PAYMENT, "0".repeat(RETURN_STATE_LENGTH))).toBe(false);
    expect(state.verify(PAYMENT, state.stateFor(PAYMENT).slice(1))).toBe(false);
    expect(state.verify(PAYMENT, "")).toBe(false);
  });
});
