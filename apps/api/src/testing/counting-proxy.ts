// A transparent HTTP proxy between the app and the sandbox PSP server that
// counts what each request went through, per label (the fault phase) and per
// PSP: answered, answered 5xx, answered slowly, cut off (reset with no answer,
// as a PSP that is down does), or given up by the client (a timeout). The
// sandbox injects faults but does not report them; this is how a chaos test
// shows how many requests each phase actually hit. It changes nothing on the
// wire: a reset upstream is a reset downstream, a client that gives up closes
// the upstream request too. It can also hold an answer back, to make a PSP's
// answer arrive after its webhook.
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ProxyTally {
  requests: number;
  /** Answered 500 or 503. */
  serverErrors: number;
  /** Answered, but only after `slowAfterMs`. */
  slow: number;
  /** The connection was cut without an answer (the sandbox's `down`). */
  reset: number;
  /** The client gave up before the answer came (a timeout on our side). */
  timedOut: number;
}

export interface CountingProxy {
  url: string;
  /** Requests from now on are counted under this label. */
  setLabel(label: string): void;
  /** label → psp → tally, in the order labels were first used. */
  tallies(): Map<string, Map<string, ProxyTally>>;
  close(): Promise<void>;
}

function emptyTally(): ProxyTally {
  return { requests: 0, serverErrors: 0, slow: 0, reset: 0, timedOut: 0 };
}

/** `pspOf` names the PSP of a request path (e.g. "/v1/…" → stripe, "/adyen/…" → adyen). */
export async function startCountingProxy(
  targetUrl: string,
  options: {
    pspOf: (path: string) => string;
    slowAfterMs: number;
    /** Holds an answer back this long before passing it on (a slow network after the PSP acted). */
    holdAnswerMs?: (method: string, path: string) => number;
  },
): Promise<CountingProxy> {
  const target = new URL(targetUrl);
  // A fresh upstream connection per request: a reused idle socket the sandbox has just closed would show
  // up as a reset the sandbox never injected.
  const agent = new Agent({ keepAlive: false });
  const counts = new Map<string, Map<string, ProxyTally>>();
  let label = "start";

  const tallyFor = (forLabel: string, psp: string): ProxyTally => {
    let byPsp = counts.get(forLabel);
    if (!byPsp) {
      byPsp = new Map();
      counts.set(forLabel, byPsp);
    }
    let tally = byPsp.get(psp);
    if (!tally) {
      tally = emptyTally();
      byPsp.set(psp, tally);
    }
    return tally;
  };

  const server: Server = createServer((req, res) => {
    const tally = tallyFor(label, options.pspOf(req.url ?? "/"));
    tally.requests++;
    const startedAt = Date.now();
    let settled = false;
    const settle = (outcome: "answered" | "reset" | "timedOut", upstream?: IncomingMessage) => {
      if (settled) return;
      settled = true;
      if (outcome === "reset") tally.reset++;
      else if (outcome === "timedOut") tally.timedOut++;
      else {
        if (upstream?.statusCode === 500 || upstream?.statusCode === 503) tally.serverErrors++;
        if (Date.now() - startedAt >= options.slowAfterMs) tally.slow++;
      }
    };
    const headers = { ...req.headers, host: target.host };
    const upstreamRequest = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
        agent,
      },
      (upstream) => {
        const forward = () => {
          if (res.destroyed) return;
          settle("answered", upstream);
          res.writeHead(upstream.statusCode ?? 502, upstream.headers);
          upstream.pipe(res);
          upstream.on("error", () => res.destroy());
        };
        const holdMs = options.holdAnswerMs?.(req.method ?? "GET", req.url ?? "/") ?? 0;
        if (holdMs > 0) setTimeout(forward, holdMs);
        else forward();
      },
    );
    upstreamRequest.on("error", () => {
      // No answer: cut the client's connection the same way.
      settle("reset");
      res.destroy();
      req.socket.destroy();
    });
    res.on("close", () => {
      if (!res.writableFinished) {
        // The client went away first (its timeout): stop the upstream request as well.
        settle("timedOut");
        upstreamRequest.destroy();
      }
    });
    req.pipe(upstreamRequest);
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setLabel(next) {
      label = next;
    },
    tallies: () => counts,
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
