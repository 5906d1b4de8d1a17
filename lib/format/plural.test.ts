import { describe, expect, it } from "vitest";
import { plural, pluralForm } from "./plural";

describe("plural", () => {
  it("uses the singular for exactly one and the plural otherwise, zero included", () => {
    expect(plural(1, "virtual host")).toBe("1 virtual host");
    expect(plural(2, "virtual host")).toBe("2 virtual hosts");
    expect(plural(0, "unpublished change")).toBe("0 unpublished changes");
  });

  it("takes an irregular plural from the caller", () => {
    expect(plural(1, "entry", "entries")).toBe("1 entry");
    expect(plural(5, "entry", "entries")).toBe("5 entries");
    expect(pluralForm(3, "was", "were")).toBe("were");
    expect(pluralForm(1, "was", "were")).toBe("was");
  });

  it("separates thousands, and treats a fraction as plural", () => {
    expect(plural(1500, "event")).toBe("1,500 events");
    expect(plural(1.5, "minute")).toBe("1.5 minutes");
  });
});
