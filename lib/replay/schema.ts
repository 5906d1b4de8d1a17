import { z } from "zod";
import { CONTENT_HASH_PATTERN } from "@/lib/config/hash";

/**
 * Start a replay of what the preview shows: the candidate by its hash and the live revision it was
 * compared with. If the stored configuration or the latest revision moved since, the replay is refused
 * (refresh the preview) rather than replaying something else.
 */
export const StartReplaySchema = z.object({
  candidateHash: z.string().regex(CONTENT_HASH_PATTERN, "Open the preview again: it did not say what to replay."),
  basedOn: z.number().int().min(1).nullable(),
});

export const ReplayRefSchema = z.object({ id: z.uuid("Unknown replay.") });
