// Goal: each filter in force is one chip whose link removes just that filter value (and paging), and
// unknown keys are left out.
import { describe, expect, it } from "vitest";
import { activeFilters } from "./filter-chips";

describe("activeFilters", () => {
  const describeFilter = (key: string, value: string) => (key === "unknown" ? null : `${key}: ${value}`);

  it("removes one value of a repeated key and keeps the rest, from the first page", () => {
    const search = new URLSearchParams("status=CAPTURED&status=DECLINED&q=eve&after=abc");
    expect(activeFilters("/payments", search, describeFilter)).toEqual([
      {
        key: "status",
        value: "CAPTURED",
        label: "status: CAPTURED",
        removeHref: "/payments?status=DECLINED&q=eve",
      },
      {
        key: "status",
        value: "DECLINED",
        label: "status: DECLINED",
        removeHref: "/payments?status=CAPTURED&q=eve",
      },
      { key: "q", value: "eve", label: "q: eve", removeHref: "/payments?status=CAPTURED&status=DECLINED" },
    ]);
  });

  it("links the bare path when the last filter goes, and skips empty values and unknown keys", () => {
    expect(activeFilters("/audit", new URLSearchParams("q=&unknown=1&x=y"), describeFilter)).toEqual([
      { key: "x", value: "y", label: "x: y", removeHref: "/audit?unknown=1" },
    ]);
    expect(activeFilters("/audit", new URLSearchParams("q=refund"), describeFilter)[0]?.removeHref).toBe(
      "/audit",
    );
  });
});
