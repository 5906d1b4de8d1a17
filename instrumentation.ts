// Runs once when the server starts: in production, refuse to start without a real session secret; and
// remove the temporary work (bundle folders for nginx -t) of panel processes that were killed mid-check.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.NODE_ENV === "production") {
    const { authSecret } = await import("./lib/auth/secret");
    try {
      authSecret();
    } catch (err) {
      console.error(`Palisade cannot start: ${(err as Error).message}`);
      process.exit(1);
    }
  }
  const { cleanStaleWork } = await import("./lib/waf/work-dir");
  try {
    const removed = await cleanStaleWork();
    if (removed.length) console.log(JSON.stringify({ level: "info", msg: "removed temporary work left by stopped panel processes", folders: removed }));
  } catch (err) {
    console.error(JSON.stringify({ level: "warn", msg: "could not clean the temporary work folder", error: (err as Error).message }));
  }
}
