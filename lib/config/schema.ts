import { z } from "zod";

const revisionNumber = z.number({ error: "Choose a revision." }).int().min(1).max(1_000_000_000);

/** `basedOn`: the latest revision number the page showed (null: none yet); a newer one refuses the request. */
const basedOn = z.number().int().min(1).nullable();

/** The content hash of the bundle the preview showed: Publish stores exactly that bundle or nothing. */
const previewed = z.string({ error: "Open the preview and publish from there." }).regex(/^[0-9a-f]{64}$/, "Open the preview and publish from there.");

export const PublishSchema = z.object({ basedOn, previewed });
export type PublishInput = z.infer<typeof PublishSchema>;

export const RollbackSchema = z.object({ revision: revisionNumber, basedOn });
export type RollbackInput = z.infer<typeof RollbackSchema>;
