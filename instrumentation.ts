// Runs once when the server starts, before it answers requests:
// - every request's socket address is stamped into an internal header, the only source of the client's
//   address that the client cannot choose (lib/http/client-address.ts);
// - refuse to start with a PALISADE_TRUSTED_PROXIES or PALISADE_OIDC_* that does not parse, and, in production, without a
//   real session secret;
// - remove the temporary work (bundle folders for nginx -t) of panel processes that were killed mid-check;
// - refuse a PALISADE_EVENT_RETENTION_DAYS, PALISADE_EVENT_PURGE_DUTY, PALISADE_EVENT_PURGE or PALISADE_EVENT_STORE_CONCURRENCY that does
//   not parse, and purge old WAF events hourly unless PALISADE_EVENT_PURGE is off (lib/events/retention.ts);
// - count each closed hour of WAF events into the hourly rollup, every minute (lib/events/rollup-job.ts).
export async function register() {
  // Written as one `if` on NEXT_RUNTIME so the edge build drops the block (node APIs) entirely.
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { installPeerAddressStamp, trustedProxies } = await import("./lib/http/client-address");
    installPeerAddressStamp();
    try {
      trustedProxies();
      (await import("./lib/events/retention")).eventRetentionDays();
      (await import("./lib/events/retention")).eventPurgeDuty();
      (await import("./lib/events/retention")).eventPurgeEnabled();
      (await import("./lib/events/ingest")).eventStoreConcurrency();
      (await import("./lib/auth/oidc-config")).oidcConfig(); // a half-configured single sign-on stops the start
      if (process.env.NODE_ENV === "production") (await import("./lib/auth/secret")).authSecret();
    } catch (err) {
      console.error(`Palisade cannot start: ${(err as Error).message}`);
      process.exit(1);
    }
    const { cleanStaleWork } = await import("./lib/waf/work-dir");
    try {
      const removed = await cleanStaleWork();
      if (removed.length) console.log(JSON.stringify({ level: "info", msg: "removed temporary work left by stopped panel processes", folders: removed }));
    } catch (err) {
      console.error(JSON.stringify({ level: "warn", msg: "could not clean the temporary work folder", error: (err as Error).message }));
    }
    (await import("./lib/events/retention")).startEventPruning();
    (await import("./lib/events/rollup-job")).startEventRollup();
  }
}
