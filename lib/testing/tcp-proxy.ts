// A TCP proxy between the panel and its PostgreSQL for fault tests and the fault drill: it can cut every
// connection and refuse new ones (PostgreSQL stopped or restarting, without touching the shared server),
// restore service, or reset the next connection that sends anything (a connection that dies mid-query).
import net from "node:net";

/** How new connections are met: passed through, refused (reset), or answered as PostgreSQL does while it stops or starts (FATAL 57P03). */
export type ProxyPhase = "up" | "refusing" | "shutting down" | "starting up";

function fatal57P03(what: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C57P03\0Mthe database system is ${what}\0\0`);
  const head = Buffer.alloc(5);
  head.write("E", 0);
  head.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}

export type TcpProxy = {
  port: number;
  /** A URL like `url` but pointing at the proxy. */
  via(url: string): string;
  /** Resets every open connection and refuses new ones until restore(). */
  cut(): void;
  /** Resets every open connection, then meets new ones as `phase` says. */
  setPhase(phase: ProxyPhase): void;
  restore(): void;
  /** The next time any connection sends data, it is reset instead (once). */
  resetNextQuery(): void;
  connections(): number;
  close(): Promise<void>;
};

export function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let phase: ProxyPhase = "up";
  let resetNext = false;
  const server = net.createServer((client) => {
    if (phase === "refusing") return client.resetAndDestroy();
    if (phase !== "up") {
      const what = phase;
      client.on("error", () => undefined);
      client.once("data", () => client.end(fatal57P03(what)));
      return;
    }
    const upstream = net.connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const end = () => {
      open.delete(client);
      open.delete(upstream);
      if (!client.destroyed) client.resetAndDestroy();
      if (!upstream.destroyed) upstream.resetAndDestroy();
    };
    client.on("data", (chunk) => {
      if (resetNext) {
        resetNext = false;
        return end();
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => client.write(chunk));
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  return new Promise<TcpProxy>((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      const proxy: TcpProxy = {
        port,
        via(url) {
          const u = new URL(url);
          u.hostname = "127.0.0.1";
          u.port = String(port);
          return u.toString();
        },
        cut() {
          proxy.setPhase("refusing");
        },
        setPhase(next) {
          if (next !== "up") {
            for (const s of open) s.resetAndDestroy();
            open.clear();
          }
          phase = next;
        },
        restore() {
          phase = "up";
        },
        resetNextQuery() {
          resetNext = true;
        },
        connections: () => open.size / 2,
        close() {
          for (const s of open) s.destroy();
          return new Promise((r) => server.close(() => r()));
        },
      };
      resolve(proxy);
    }),
  );
}
