// The replay job on both databases with the real engine: stored policy → candidate vs the latest revision
// → a stored report, one at a time, cancelable, with its start and cancel audited and no nginx left.
// Skipped, with the install command, without the engine (a failure instead when CI is set).
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { publishConfig } from "@/lib/config/service";
import { compilerSettingsFromEnv } from "@/lib/config/settings";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { admin, changePolicy, makeVhost } from "@/lib/testing/config-fixtures";
import { insertEvents } from "@/lib/testing/event-fixtures";
import { describeWithEngine } from "@/lib/testing/real-engine";
import { childrenOf } from "@/lib/waf/engine";
import { cancelReplay, currentReplay, getReplay, latestReplayFor, ReplayBusyError, startReplay } from "./service";

const settings = () => ({ ...compilerSettingsFromEnv(), listenHttp: 8080, listenHttps: 8443, listenAddresses: ["127.0.0.1"] });
const nginxChildren = () =>
  childrenOf(process.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("nginx");
    } catch {
      return false;
    }
  });

async function finished(id: string) {
  await currentReplay()?.finished;
  return (await getReplay(id))!;
}

describeWithEngine(`replay job (${process.env.TEST_DB})`, { timeout: 120_000 }, () => {
  it("replays the unpublished change against the live revision and keeps the report; one at a time; nothing to replay once published", async () => {
    const shop = await makeVhost("shop.replay-job.test", { backendUrl: "http://10.255.0.1:8080" });
    await makeVhost("blog.replay-job.test", { backendUrl: "http://10.255.0.2:8080" });
    expect((await publishConfig(admin, { basedOn: null, settings: settings() })).status).toBe("published");
    const [eventId] = await insertEvents([{ at: new Date(), vhostId: shop.id, vhost: shop.domain, uri: "/comments?text=see+you+soon+--+bye", outcome: "detected", matches: [{ ruleId: 942440 }] }]);

    await expect(startReplay(admin, { settings: settings() })).rejects.toThrow(/Nothing to replay: revision 1 is the stored configuration/);

    await changePolicy(shop.id, { blockingParanoia: 2, detectionParanoia: 2 });
    await expect(startReplay(admin, { settings: settings(), expect: { candidateHash: "0".repeat(64), basedOn: 1 } })).rejects.toThrow(/changed since this preview/);
    const { id } = await startReplay(admin, { settings: settings() });
    await expect(startReplay(admin, { settings: settings() })).rejects.toBeInstanceOf(ReplayBusyError);
    const run = await finished(id);
    expect(run).toMatchObject({ status: "done", baseRevision: 1, vhosts: ["shop.replay-job.test"], error: null });
    expect(run.done).toBe(run.total);
    const report = run.report!;
    expect(report.vhosts).toHaveLength(1); // only the changed vhost is replayed
    expect(report.vhosts[0]).toMatchObject({ vhost: "shop.replay-job.test", newlyAllowed: 0, attacksLetThrough: 0 });
    const newlyBlocked = report.differences.filter((d) => d.change === "newly-blocked").map((d) => d.ref);
    expect(newlyBlocked).toEqual(expect.arrayContaining(["prose-dashes", eventId]));
    expect(report.differences.find((d) => d.ref === eventId)).toMatchObject({ source: "event", method: "GET", target: "/comments?text=see+you+soon+--+bye" });

    // The preview finds it by what it previewed.
    expect((await latestReplayFor(run.candidateHash, 1))?.id).toBe(id);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { action: "replay.start", entityId: id } });
    expect(audit.summary).toMatch(/^Started a traffic replay: \d+ requests through revision 1 and the unpublished configuration \(shop\.replay-job\.test\)$/);
    expect(nginxChildren()).toEqual([]);

    // Publishing what was replayed keeps the report with the revision and says so in the audit row.
    const published = await publishConfig(admin, { basedOn: 1, settings: settings() });
    expect(published.status === "published" && published.revision.number).toBe(2);
    expect((await getReplay(id))!.revision).toBe(2);
    const publishAudit = await db.auditEvent.findFirstOrThrow({ where: { action: "config.publish" }, orderBy: { seq: "desc" } });
    const blocked = report.vhosts[0]!.newlyBlocked;
    expect(publishAudit.summary).toMatch(new RegExp(`; traffic replay of ${run.total} requests: ${blocked} newly blocked, 0 newly let through$`));
    expect(publishAudit.after).toMatchObject({ replay: { id, requests: run.total, newlyBlocked: blocked, newlyAllowed: 0, attacksLetThrough: 0 } });
  });

  it("cancels a running replay: audited, marked cancelled, its engines gone", async () => {
    const shop = await makeVhost("cancel.replay-job.test", { backendUrl: "http://10.255.0.3:8080" });
    await insertEvents(Array.from({ length: 400 }, (_, i) => ({ at: new Date(Date.now() - i * 1000), vhostId: shop.id, vhost: shop.domain, uri: `/page/${i}?q=${i}`, matches: [{ ruleId: 942100 }] })));
    const { id } = await startReplay(admin, { settings: settings() });
    expect(await cancelReplay(admin, id)).toEqual({ cancelled: true });
    expect(currentReplay()).toBeNull();
    expect((await getReplay(id))!.status).toBe("cancelled");
    expect(nginxChildren()).toEqual([]);
    expect(await db.auditEvent.count({ where: { action: "replay.cancel", entityId: id } })).toBe(1);
    await expect(cancelReplay(admin, id)).rejects.toBeInstanceOf(AppError);
  });
});
