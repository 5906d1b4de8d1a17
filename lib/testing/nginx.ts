// The engine tests start nginx through the runner the replay uses (lib/waf/run.ts).
export { freePort, startNginx, type AuditTransaction, type RunningNginx } from "@/lib/waf/run";
