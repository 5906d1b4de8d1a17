// The OpenAPI document as the /api-docs page shows it: operations in document order, parameters,
// bodies and schemas as short type names ("Vhost", "array of string", "NONE | TERMINATE").
type Schema = Record<string, unknown>;

export function typeName(s: unknown): string {
  if (!s || typeof s !== "object") return "any";
  const schema = s as Schema;
  if (typeof schema.$ref === "string") return schema.$ref.split("/").at(-1)!;
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if ("const" in schema) return JSON.stringify(schema.const);
  for (const k of ["anyOf", "oneOf"] as const) if (Array.isArray(schema[k])) return (schema[k] as unknown[]).map(typeName).join(" | ");
  if (schema.type === "array") return `array of ${typeName(schema.items)}`;
  if (schema.type === "object" && schema.additionalProperties && typeof schema.additionalProperties === "object") return `map of ${typeName(schema.additionalProperties)}`;
  if (Array.isArray(schema.type)) return schema.type.join(" | ");
  if (typeof schema.type === "string") return schema.format ? `${schema.type} (${String(schema.format)})` : schema.type;
  return "any";
}

export type Field = { name: string; type: string; required: boolean; description: string | null };

export function fieldsOf(s: unknown): Field[] {
  const schema = (s ?? {}) as Schema;
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, p]) => ({ name, type: typeName(p), required: required.has(name), description: typeof p.description === "string" ? p.description : null }));
}

export type Operation = {
  method: string;
  path: string;
  summary: string;
  permission: string;
  scope: string;
  params: (Field & { in: string })[];
  body: { type: string; fields: Field[] } | null;
  responses: { status: string; description: string; type: string | null }[];
};

type Doc = { paths?: Record<string, Record<string, Schema>>; components?: { schemas?: Record<string, Schema> } };

export function operationsOf(doc: Doc): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item)) {
      const params = ((op.parameters as Schema[] | undefined) ?? []).map((p) => ({
        name: String(p.name),
        in: String(p.in),
        type: typeName(p.schema),
        required: p.required === true,
        description: typeof p.description === "string" ? p.description : null,
      }));
      const bodySchema = ((op.requestBody as Schema | undefined)?.content as Record<string, Schema> | undefined)?.["application/json"]?.schema;
      const responses = Object.entries((op.responses ?? {}) as Record<string, Schema>).map(([status, r]) => {
        const content = r.content as Record<string, Schema> | undefined;
        const first = content ? Object.values(content)[0] : undefined;
        return { status, description: String(r.description ?? ""), type: first ? typeName(first.schema) : null };
      });
      out.push({
        method: method.toUpperCase(),
        path,
        summary: String(op.summary ?? ""),
        permission: String(op["x-permission"] ?? ""),
        scope: String(op["x-scope"] ?? ""),
        params,
        body: bodySchema ? { type: typeName(bodySchema), fields: fieldsOf(bodySchema) } : null,
        responses,
      });
    }
  }
  return out;
}

export function schemasOf(doc: Doc): { name: string; fields: Field[] }[] {
  return Object.entries(doc.components?.schemas ?? {}).map(([name, s]) => ({ name, fields: fieldsOf(s) }));
}
