// Goal: each role sees the pages it may open, and the current page is the most specific link that contains it.
import { describe, expect, it } from "vitest";
import { currentNavHref, NAV_ITEMS, navItemsFor } from "./nav-items";

describe("navigation", () => {
  it("hides admin pages from operators and viewers", () => {
    expect(navItemsFor("ADMIN")).toHaveLength(NAV_ITEMS.length);
    expect(navItemsFor("VIEWER").map((item) => item.href)).not.toContain("/operators");
    expect(navItemsFor("OPERATOR").map((item) => item.href)).not.toContain("/psp-accounts");
  });

  it.each([
    ["/payments", "/payments"],
    ["/payments/pay_01ABC", "/payments"],
    ["/reviews/lists", "/reviews/lists"],
    ["/reviews", "/reviews"],
    ["/paymentsx", null],
  ])("%s is under %s", (path, expected) => {
    expect(currentNavHref(path, NAV_ITEMS)).toBe(expected);
  });
});
