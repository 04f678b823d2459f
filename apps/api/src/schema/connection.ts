// Relay connections over newest-first lists keyed by (created_at, id): the page a client's arguments ask for and
// the edges and page info of the rows read. Each list decodes its own cursors (their ids have their own prefix).
import { GraphQLError } from "graphql";

/** Where a page starts in a newest-first list. */
export interface TimeCursor {
  createdAt: Date;
  id: string;
}

export interface Page<Cursor> {
  direction: "forward" | "backward";
  size: number;
  cursor: Cursor | null;
}

export function encodeTimeCursor(row: TimeCursor): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`, "utf8").toString("base64url");
}

/** The page a connection's arguments ask for: `first`/`after` forward or `last`/`before` backward, bounded. */
export function pageRequest<Cursor>(
  args: { first?: number | null; after?: string | null; last?: number | null; before?: string | null },
  limits: { sizeDefault: number; sizeMax: number; decodeCursor: (cursor: string) => Cursor },
): Page<Cursor> {
  const invalid = (message: string, field: string) =>
    new GraphQLError(message, { extensions: { code: "INVALID_INPUT", field: [field] } });
  const backward = args.last != null || args.before != null;
  if (backward && (args.first != null || args.after != null)) {
    throw invalid("Page forward (first, after) or backward (last, before), not both at once.", "last");
  }
  const size = backward ? (args.last ?? limits.sizeDefault) : (args.first ?? limits.sizeDefault);
  if (size < 1 || size > limits.sizeMax) {
    const name = backward ? "last" : "first";
    throw invalid(`${name} must be between 1 and ${limits.sizeMax}.`, name);
  }
  const cursor = backward ? args.before : args.after;
  return {
    direction: backward ? "backward" : "forward",
    size,
    cursor: cursor ? limits.decodeCursor(cursor) : null,
  };
}

/** The edges and page info of the rows read for `page`; `hasMore` tells whether rows lie beyond it. */
export function connectionOf<Row extends TimeCursor>(
  page: Page<unknown>,
  rows: readonly Row[],
  hasMore: boolean,
) {
  const edges = rows.map((node) => ({ cursor: encodeTimeCursor(node), node }));
  const forward = page.direction === "forward";
  return {
    edges,
    // Relay's rules: the direction read knows whether more lie beyond; the other side is only known to exist
    // when the client came from there (a cursor), which is as much as the spec asks.
    pageInfo: {
      hasNextPage: forward ? hasMore : page.cursor !== null,
      hasPreviousPage: forward ? page.cursor !== null : hasMore,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
