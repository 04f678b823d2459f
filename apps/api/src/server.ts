// Serves an app over HTTP until told to stop.
import { createServer, type Server } from "node:http";
import type { App } from "./app";

export async function listen(app: App, port: number, host: string): Promise<Server> {
  const server = createServer(app.yoga);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

export async function closeServer(server: Server): Promise<void> {
  server.closeIdleConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
