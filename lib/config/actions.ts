"use server";
import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/auth/action";
import { PublishSchema, RollbackSchema } from "./schema";
import { PreviewChangedError, publishConfig, refusalOf, rollbackConfig, StaleRevisionError, type PublishOutcome, type PublishRefusal } from "./service";

/** The preview is out of date (the stored state or the latest revision changed): nothing was published. */
export type PreviewChanged = { status: "preview-changed"; message: string };

export type PublishActionData = PublishOutcome | PublishRefusal | PreviewChanged;

/** A refusal by the compiler or the engine is an expected outcome the page shows in full, not a toast. */
async function orRefusal(run: () => Promise<PublishOutcome>): Promise<PublishOutcome | PublishRefusal> {
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
  let r: PublishActionData;
  try {
    r = await orRefusal(() => publishConfig(audit, { basedOn: input.basedOn, previewed: input.previewed }));
  } catch (err) {
    // The page answers with the refreshed preview instead of publishing something the user has not seen.
    if (!(err instanceof PreviewChangedError || err instanceof StaleRevisionError)) throw err;
    r = { status: "preview-changed", message: err instanceof PreviewChangedError ? err.message : `The configuration changed since this preview: ${err.message}` };
  }
  revalidate();
  return r;
});

export const rollbackConfigAction = defineAction("rollbackConfigAction", "config.publish", RollbackSchema, async (input, { audit }) => {
  const r = await orRefusal(() => rollbackConfig(audit, { revision: input.revision, basedOn: input.basedOn }));
  revalidate();
  return r;
});
