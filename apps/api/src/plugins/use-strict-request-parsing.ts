// Parses GraphQL requests so that a malformed one is a 400 that quotes nothing of what was sent.
//
// Yoga's JSON body parser answers a syntax error with the engine's message in
// `extensions.originalError`, and V8's message quotes the body around the
// error, up to the whole body: a tokenizeCard request with a stray comma would
// get its card number and CVC back in the response. A body that is not valid
// UTF-8 was decoded with replacement characters and its free text stored as
// altered. A GET (or form) request whose `variables` or `extensions` is not
// JSON threw a bare SyntaxError, masked as a 500. A POST of another content
// type got a 415 with an empty body. This plugin replaces the JSON body parser,
// translates the others' syntax errors and names the content types it takes;
// the messages are fixed strings.
import { isUtf8 } from "node:buffer";
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";

/** The content types Yoga parses as a JSON body. */
const JSON_CONTENT_TYPES = ["application/json", "application/graphql+json"];

function badRequest(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_REQUEST", http: { status: 400 } } });
}

/** Yoga's own test (its first content type only, with or without parameters), so both pick the same requests. */
function isPostOf(request: Request, types: readonly string[]): boolean {
  if (request.method !== "POST") return false;
  const contentType = request.headers.get("content-type")?.split(",")[0];
  if (contentType === undefined) return false;
  return types.some((type) => contentType === type || contentType.startsWith(`${type};`));
}

/** The body as text, refused unless it is valid UTF-8 (a lenient decoder would store U+FFFD in its place). */
async function readUtf8(request: Request): Promise<string> {
  // Errors of the read itself (useRequestBodyLimit's 413 on a chunked body) pass through unchanged.
  const bytes = Buffer.from(await request.arrayBuffer());
  if (!isUtf8(bytes)) throw badRequest("The request body is not valid UTF-8.");
  return bytes.toString("utf8");
}

/** `application/graphql`: the body is the document. */
async function parseDocumentBody(request: Request): Promise<Record<string, unknown>> {
  return { query: await readUtf8(request) };
}

/** The query string's percent-encoded bytes must be UTF-8 too (URLSearchParams would decode them leniently). */
function assertUtf8QueryString(url: string): void {
  const start = url.indexOf("?");
  if (start === -1) return;
  try {
    decodeURIComponent(url.slice(start + 1).replace(/\+/g, " "));
  } catch {
    throw badRequest("The query string is not valid percent-encoded UTF-8.");
  }
}

async function parseJsonBody(request: Request): Promise<Record<string, unknown>> {
  const text = await readUtf8(request);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest("POST body sent invalid JSON.");
  }
  if (body === null || typeof body !== "object") {
    throw badRequest(
      `POST body is expected to be object but received ${body === null ? "null" : typeof body}`,
    );
  }
  return body as Record<string, unknown>;
}

/**
 * Put it before useSignedRequests and useRequestBodyLimit: they wrap the parser chosen here, so a signed body is
 * still checked before it is parsed and a chunked one still counted.
 */
export function useStrictRequestParsing(): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (isPostOf(request, JSON_CONTENT_TYPES)) {
        setRequestParser(parseJsonBody);
        return;
      }
      if (isPostOf(request, ["application/graphql"])) {
        setRequestParser(parseDocumentBody);
        return;
      }
      if (requestParser === undefined) {
        // Yoga would answer 415 with an empty body; a client gets the reason, typed like every other refusal.
        if (request.method !== "POST") return;
        throw new GraphQLError(
          "Send GraphQL as application/json (or application/graphql, a form, or multipart for uploads).",
          { extensions: { code: "UNSUPPORTED_MEDIA_TYPE", http: { status: 415 } } },
        );
      }
      setRequestParser(async (parsed) => {
        if (parsed.method === "GET") assertUtf8QueryString(parsed.url);
        try {
          return await requestParser(parsed);
        } catch (error) {
          if (error instanceof SyntaxError) {
            throw badRequest("The variables or extensions parameter is not valid JSON.");
          }
          throw error;
        }
      });
    },
  };
}
