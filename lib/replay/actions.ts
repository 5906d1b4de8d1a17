"use server";
import { defineAction } from "@/lib/auth/action";
import { ReplayRefSchema, StartReplaySchema } from "./schema";
import { cancelReplay, startReplay } from "./service";

export const startReplayAction = defineAction("startReplayAction", "replay.run", StartReplaySchema, async (input, { audit }) => startReplay(audit, { expect: input }));

export const cancelReplayAction = defineAction("cancelReplayAction", "replay.run", ReplayRefSchema, async (input, { audit }) => cancelReplay(audit, input.id));
