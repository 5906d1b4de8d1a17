// Runs once when the server starts: in production, refuse to start without a real session secret.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs" && process.env.NODE_ENV === "production") {
    const { authSecret } = await import("./lib/auth/secret");
    try {
      authSecret();
    } catch (err) {
      console.error(`Palisade cannot start: ${(err as Error).message}`);
      process.exit(1);
    }
  }
}
