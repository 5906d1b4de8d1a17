import { z } from "zod";

export const NODE_NAME_MAX = 64;
export const NODE_MESSAGE_MAX = 2000;

export const NodeNameSchema = z
  .string()
  .trim()
  .min(1, "Name the node, e.g. edge-1.")
  .max(NODE_NAME_MAX, `Keep the name under ${NODE_NAME_MAX + 1} characters.`)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "Use letters, digits, dots, dashes and underscores, starting with a letter or digit.");

export const RegisterNodeSchema = z.object({ name: NodeNameSchema });
export type RegisterNodeInput = z.infer<typeof RegisterNodeSchema>;

export const NodeRefSchema = z.object({ id: z.uuid("Choose a node.") });
export type NodeRef = z.infer<typeof NodeRefSchema>;

/** What a node's agent reports after trying to apply a revision (POST /api/v1/nodes/status). */
export const StatusReportSchema = z.object({
  revision: z.number({ error: "revision must be the number of the revision the node tried to apply" }).int().min(1).max(1_000_000_000),
  ok: z.boolean({ error: "ok must be true (applied and reloaded) or false" }),
  message: z.string({ error: "message must be a string" }).max(NODE_MESSAGE_MAX * 4, "message is too long").optional().default(""),
});
export type StatusReport = z.output<typeof StatusReportSchema>;
