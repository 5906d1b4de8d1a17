// GET /api/replay/<id>: a replay's progress and, once done, its report (the preview page polls this while
// it runs). Every role that may read the configuration's events may read it.
import { ReplayRefSchema } from "@/lib/replay/schema";
import { getReplay } from "@/lib/replay/service";
import { defineRoute, HttpError, session, type SessionPrincipal } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = defineRoute<SessionPrincipal, { id: string }>(
  {
    name: "GET /api/replay/[id]",
    auth: session("event.read", "Your role does not allow reading replays."),
    unexpected: "The replay could not be read. Try again.",
  },
  async ({ params }) => {
    const parsed = ReplayRefSchema.safeParse(params);
    if (!parsed.success) throw new HttpError(404, "No such replay.");
    const run = await getReplay(parsed.data.id);
    if (!run) throw new HttpError(404, "No such replay.");
    return Response.json(run, { headers: { "cache-control": "no-store" } });
  },
);
