"use server";
import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/auth/action";
import { PublishSchema, RollbackSchema } from "./schema";
import { publishConfig, refusalOf, rollbackConfig, type PublishOutcome, type PublishRefusal } from "./service";

export type PublishActionData = PublishOutcome | PublishRefusal;

/** A refusal by the compiler or the engine is an expected outcome the page shows in full, not a toast. */
async function orRefusal(run: () => Promise<PublishOutcome>): Promise<PublishActionData> {
  try {
    return await run();
  } catch (err) {
    const refusal = await refusalOf(err);
    if (refusal) return refusal;
    throw err;
  }
}

function revalidate() {
  revalidatePath("/config");
  revalidatePath("/vhosts");
  revalidatePath("/nodes");
}

export const publishConfigAction = defineAction("publishConfigAction", "config.publish", PublishSchema, async (input, { audit }) => {
  const r = await orRefusal(() => publishConfig(audit, { basedOn: input.basedOn }));
  revalidate();
  return r;
});

export const rollbackConfigAction = defineAction("rollbackConfigAction", "config.publish", RollbackSchema, async (input, { audit }) => {
  const r = await orRefusal(() => rollbackConfig(audit, { revision: input.revision, basedOn: input.basedOn }));
  revalidate();
  return r;
});
