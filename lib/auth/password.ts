import bcrypt from "bcryptjs";

const COST = 12;

export function hashPassword(plain: string): Promise<string> {
  return bcrypt.hash(plain, COST);
}

// A real hash of a random string: comparing against it when the user does not exist costs the same
// time as a real check, so response time does not reveal which emails have accounts.
const DUMMY_HASH = "$2b$12$GtYEE9JZTIOqZH/jbQCHquhkHvW.we.Gml7jwgyQJeFi2eHF93/OO";

export async function verifyPassword(plain: string, hash: string | null | undefined): Promise<boolean> {
  const ok = await bcrypt.compare(plain, hash ?? DUMMY_HASH);
  return ok && !!hash;
}
