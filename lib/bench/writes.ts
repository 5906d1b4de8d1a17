// b. Writes: an audited policy update (lib/policies/service.ts updatePolicy — the change, the audit row
// and the hash chain in one transaction) against the same update without the audit, and 8 concurrent
// writers: throughput, errors (deadlocks, timeouts), and whether the chain stayed one unbroken line.
// "Without audit" runs updatePolicy's own change (lib/policies/service.ts policyUpdate) in a plain transaction.
import type { AuditContext } from "@/lib/audit/audited";
import { db } from "@/lib/db";
import type { WafPolicy } from "@/lib/policies/policy";
import { policyUpdate, updatePolicy } from "@/lib/policies/service";
import { checkChain } from "./chain-check";
import type { BenchContext } from "./context";
import { table } from "./report";
import { loadAverage, loadText, ms, ratio, summarize, timeInterleaved, type Timing } from "./stats";

type Target = { vhostId: string; policyId: string; version: number; flip: boolean };
type Update = (ctx: AuditContext, input: WafPolicy & { vhostId: string }) => Promise<{ version: number }>;

/** `n` vhosts' policies after the first `skip` (by vhost id), with their current versions. */
async function targets(skip: number, n: number): Promise<Target[]> {
  const rows = await db.wafPolicy.findMany({ orderBy: { vhostId: "asc" }, skip, take: n, select: { id: true, vhostId: true, version: true, inboundThreshold: true } });
  if (rows.length < n) throw new Error(`Need ${skip + n} vhosts with policies: run npm run seed:scale first.`);
  return rows.map((r) => ({ vhostId: r.vhostId, policyId: r.id, version: r.version, flip: r.inboundThreshold === 5 }));
}

/** Every call really changes the policy (the threshold alternates), as a user's save would. */
const fieldsFor = (t: Target) => {
  t.flip = !t.flip;
  return { engineMode: "BLOCKING" as const, blockingParanoia: 1, detectionParanoia: 2, inboundThreshold: t.flip ? 5 : 6, outboundThreshold: 4 };
};

async function auditContext(): Promise<AuditContext> {
  const u =
    (await db.user.findFirst({ where: { email: "admin@palisade.local" }, select: { id: true, email: true } })) ??
    (await db.user.findFirstOrThrow({ where: { role: "ADMIN" }, select: { id: true, email: true } }));
  return { actor: { id: u.id, email: u.email }, meta: { ip: "127.0.0.1", userAgent: "palisade-bench" } };
}

const viaService = (update: Update, ctx: AuditContext, t: Target) => async () => {
  const updated = await update(ctx, { vhostId: t.vhostId, version: t.version, ...fieldsFor(t) });
  t.version = updated.version;
};

type Concurrent = { committed: number; failed: number; seconds: number; latency: Timing; errors: string[]; chain: string; load: { before: number; after: number } };

/** `writers` writers at once, each saving its own vhost's policy `each` times; then the chain is checked. */
async function concurrently(ctx: BenchContext, auditCtx: AuditContext, update: Update, own: Target[], each: number): Promise<Concurrent> {
  const [head] = await ctx.raw.query<{ lastSeq: number }>(`SELECT "lastSeq" FROM "AuditChainHead" WHERE id = 1`);
  const latencies: number[] = [];
  const errors: string[] = [];
  const before = loadAverage();
  const started = performance.now();
  await Promise.all(
    own.map(async (t) => {
      for (let i = 0; i < each; i++) {
        const t0 = performance.now();
        try {
          await viaService(update, auditCtx, t)();
          latencies.push(performance.now() - t0);
        } catch (err) {
          errors.push((err as Error).message.split("\n")[0]!.slice(0, 120));
          t.version = (await db.wafPolicy.findUniqueOrThrow({ where: { vhostId: t.vhostId }, select: { version: true } })).version;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const load = { before, after: loadAverage() };
  const chain = await checkChain(ctx.raw, Number(head!.lastSeq));
  return {
    committed: latencies.length,
    failed: errors.length,
    seconds,
    latency: summarize(latencies.length ? latencies : [NaN]),
    errors: [...new Set(errors)],
    chain: chain.problem
      ? `✗ ${chain.problem}`
      : `✓ #${chain.firstSeq?.toLocaleString("en")}–#${chain.lastSeq?.toLocaleString("en")} contiguous and linked, head = last`,
    load,
  };
}

export async function writesPart(ctx: BenchContext) {
  const { raw, kind, dialect } = ctx;
  const auditCtx = await auditContext();
  const t = await targets(0, 4);

  const bareUpdate = (target: Target) => async () => {
    const f = fieldsFor(target);
    await raw.query(
      `UPDATE "WafPolicy" SET "engineMode" = $1, "blockingParanoia" = $2, "detectionParanoia" = $3, "inboundThreshold" = $4, "outboundThreshold" = $5, "version" = "version" + 1, "updatedByEmail" = $6, "updatedAt" = $7 WHERE "id" = $8 AND "version" = $9`,
      [f.engineMode, f.blockingParanoia, f.detectionParanoia, f.inboundThreshold, f.outboundThreshold, auditCtx.actor.email, new Date(), target.policyId, target.version],
    );
    target.version++;
  };
  const plainUpdate = (target: Target) => async () => {
    const { count } = await db.wafPolicy.updateMany({
      where: { id: target.policyId, version: target.version },
      data: { ...fieldsFor(target), version: { increment: 1 }, updatedByEmail: auditCtx.actor.email },
    });
    if (count !== 1) throw new Error("conflict");
    target.version++;
  };
  // The same transaction as updatePolicy's, without the audit: its change alone.
  const sameNoAudit: Update = (c, input) => db.$transaction(async (tx) => (await policyUpdate(c, input)(tx)).result, { maxWait: 10_000, timeout: 20_000 });

  const runs = Math.max(20, Math.floor(ctx.options.runs / 2));
  const single = await timeInterleaved(
    [
      viaService(updatePolicy, auditCtx, t[0]!),
      viaService(sameNoAudit, auditCtx, t[1]!),
      plainUpdate(t[2]!),
      bareUpdate(t[3]!),
    ],
    runs,
    Math.max(20, Math.floor(ctx.options.warmup / 2)),
  );
  const [audited, same, plain, bare] = single.timings as Timing[] as [Timing, Timing, Timing, Timing];
  const mt = (x: Timing) => `${ms(x.median)} / ${ms(x.p95)}`;
  const judge = (a: Timing, b: Timing) => `**${ratio(a.median, b.median)}** ${a.median / b.median <= 1.5 ? "✓" : "✗"}`;
  const singleRows = [
    ["audited `updatePolicy` (change + audit row + chain, one transaction)", mt(audited), `${judge(audited, same)} of the same steps without audit`],
    ["the same steps in one transaction, no audit", mt(same), "—"],
    ["plain Prisma `updateMany` with version check, no transaction", mt(plain), `audited is ${ratio(audited.median, plain.median)} of this`],
    ["bare driver `UPDATE … WHERE version = $n`", mt(bare), `audited is ${ratio(audited.median, bare.median)} of this`],
  ];

  // Concurrent writers, each on its own vhost (no conflicts by design).
  const writers = 8;
  const each = Math.max(10, Math.floor(ctx.options.runs / 4));
  const variants: [string, Update][] = [
    ["`updatePolicy`", updatePolicy],
  ];
  const concurrentRows: (string | number)[][] = [];
  for (const [k, [name, update]] of variants.entries()) {
    const own = await targets(4 + k * writers, writers);
    const c = await concurrently(ctx, auditCtx, update, own, each);
    concurrentRows.push([
      name,
      `${c.committed} / ${c.failed}`,
      `**${(c.committed / c.seconds).toFixed(0)}/s**`,
      `${ms(c.latency.median)} / ${ms(c.latency.p95)}`,
      c.errors.length ? c.errors.map((e) => `\`${e}\``).join("; ") : "none",
      c.chain,
      loadText(c.load),
    ]);
  }
  const body = [
    ctx.header(),
    "",
    table(["one policy update", "median / p95 ms", "ratio"], singleRows),
    "",
    `${runs} interleaved runs of each after warm-up, each variant on its own vhost; load average ${loadText(single.load)}. ` +
      "Target: audited ≤ 1.5× the same update without audit. One writer alone: " +
      `${(1000 / audited.median).toFixed(0)} audited updates/s.`,
    "",
    table(
      [`${writers} concurrent writers × ${each} updates`, "committed / failed", "throughput", "latency median / p95 ms", "errors (deadlock, timeout)", "chain after the run", "load avg"],
      concurrentRows,
    ),
    dialect.singleWriter ? `\n${dialect.name} has one writer at a time: the writers queue on its write lock (busy timeout 5 s).` : "",
  ].join("\n");
  return [{ key: `${kind}:b`, title: `${dialect.name} · b. Audited writes`, body }];
}
