// Goal: every needs-attention card on the overview links to its list: each source the counts know has one card,
// and each card's link is a console page that exists (its anchor, if any, an element id on that page).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { NEEDS_ATTENTION_IDS } from "@paycore/platform/attention/attention-counts";
import { describe, expect, it } from "vitest";
import { NEEDS_ATTENTION_SOURCES } from "./needs-attention";

const CONSOLE_PAGES = join(import.meta.dirname, "..", "app", "(console)");

describe("needs-attention cards", () => {
  it("one card per counted source, none without a count", () => {
    expect(NEEDS_ATTENTION_SOURCES.map((source) => source.id).sort()).toEqual(
      [...NEEDS_ATTENTION_IDS].sort(),
    );
  });

  it.each(NEEDS_ATTENTION_SOURCES.map((source) => [source.id, source.href]))(
    "%s links to a page that exists (%s)",
    (_id, href) => {
      const url = new URL(href, "http://console.test");
      const page = join(CONSOLE_PAGES, ...url.pathname.split("/").filter(Boolean), "page.tsx");
      expect(existsSync(page), page).toBe(true);
      if (url.hash) expect(readFileSync(page, "utf8")).toContain(`id="${url.hash.slice(1)}"`);
    },
  );
});
