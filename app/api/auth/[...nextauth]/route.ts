// next-auth's own endpoints (sign-in, sign-out, session, CSRF). They authenticate by themselves; the route
// wrapper adds the request id and logs what next-auth throws (lib/http/route.ts).
import NextAuth from "next-auth";
import { getAuthOptions } from "@/lib/auth/options";
import { anyone, defineRoute } from "@/lib/http/route";

type Params = { nextauth: string[] };

const handler = defineRoute<null, Params>({ name: "next-auth", auth: anyone }, ({ request, params }) =>
  NextAuth(request as never, { params: Promise.resolve(params) } as never, getAuthOptions()),
);

export { handler as GET, handler as POST };
