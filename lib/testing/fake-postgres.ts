// Stand-in PostgreSQL servers for fault tests: they speak just enough of the wire protocol to fail the
// way a real server does while it shuts down, starts up or drops connections, so the errors a test sees
// are the ones the pg driver and Prisma's adapter really produce.
import net from "node:net";

export type FakeServer = { url: string; port: number; close(): Promise<void> };

function listen(server: net.Server): Promise<FakeServer> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({ url: `postgresql://postgres@127.0.0.1:${port}/fake`, port, close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}

/** Answers every startup message with a FATAL ErrorResponse, as PostgreSQL does while starting up or shutting down (57P03). */
export function refusingPostgres(code: string, message: string): Promise<FakeServer> {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`);
  const head = Buffer.alloc(5);
  head.write("E", 0);
  head.writeInt32BE(fields.length + 4, 1);
  return listen(net.createServer((socket) => socket.once("data", () => socket.end(Buffer.concat([head, fields])))));
}

/** Accepts a connection and resets it at the first message (a server or proxy that dies mid-handshake). */
export function resettingPostgres(): Promise<FakeServer> {
  return listen(net.createServer((socket) => socket.once("data", () => socket.resetAndDestroy())));
}

/** A port with nothing listening on it (connection refused). */
export async function closedPort(): Promise<FakeServer> {
  const s = await listen(net.createServer());
  await s.close();
  return s;
}
