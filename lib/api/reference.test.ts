import { describe, expect, it } from "vitest";
import { fieldsOf, operationsOf, typeName } from "./reference";

describe("the API reference's view of the OpenAPI document", () => {
  it("names types briefly", () => {
    expect(typeName({ $ref: "#/components/schemas/Vhost" })).toBe("Vhost");
    expect(typeName({ type: "array", items: { type: "string" } })).toBe("array of string");
    expect(typeName({ type: "string", enum: ["A", "B"] })).toBe('"A" | "B"');
    expect(typeName({ anyOf: [{ type: "string", const: "" }, { type: "string", format: "uuid" }] })).toBe('"" | string (uuid)');
    expect(typeName({ type: "object", additionalProperties: { type: "integer" } })).toBe("map of integer");
    expect(typeName(undefined)).toBe("any");
  });

  it("lists operations with parameters, body fields and responses", () => {
    const ops = operationsOf({
      paths: {
        "/x/{id}": {
          put: {
            summary: "Replace",
            "x-permission": "vhost.write",
            "x-scope": "write",
            parameters: [{ in: "path", name: "id", required: true, schema: { type: "string" } }],
            requestBody: { content: { "application/json": { schema: { type: "object", properties: { a: { type: "integer" } }, required: ["a"] } } } },
            responses: { "200": { description: "OK", content: { "application/json": { schema: { $ref: "#/components/schemas/X" } } } }, "412": { description: "Stale" } },
          },
        },
      },
    });
    expect(ops).toEqual([
      {
        method: "PUT",
        path: "/x/{id}",
        summary: "Replace",
        permission: "vhost.write",
        scope: "write",
        params: [{ name: "id", in: "path", type: "string", required: true, description: null }],
        body: { type: "object", fields: [{ name: "a", type: "integer", required: true, description: null }] },
        responses: [
          { status: "200", description: "OK", type: "X" },
          { status: "412", description: "Stale", type: null },
        ],
      },
    ]);
    expect(fieldsOf({})).toEqual([]);
  });
});
