// The publish check's copy of a bundle: backend host names become 127.0.0.1 so that `nginx -t` does not
// depend on the panel's DNS; IP literals and everything outside proxy_pass stay as they are.
import { describe, expect, it } from "vitest";
import { withoutBackendNames } from "./check";

const vhost = (proxyPass: string) => `server {\n    server_name a.test;\n    location / {\n        proxy_pass ${proxyPass};\n        proxy_ssl_server_name on;\n    }\n}\n`;

describe("withoutBackendNames", () => {
  it.each([
    ["http://backend.invalid:8080", "http://127.0.0.1:8080"],
    ["https://api.backend.invalid:8443/app/", "https://127.0.0.1:8443/app/"],
    ["http://backend", "http://127.0.0.1"],
    ["http://localhost:3000", "http://127.0.0.1:3000"],
    ["http://1backend-2.internal", "http://127.0.0.1"],
  ])("replaces the host name of %s", (from, to) => {
    const out = withoutBackendNames({ files: { "vhosts/a.test.conf": vhost(from) } });
    expect(out.files["vhosts/a.test.conf"]).toBe(vhost(to));
  });

  it.each(["http://10.0.0.5:8080", "https://192.0.2.7/x", "http://[::1]:8080", "http://[2001:db8::5]"])("keeps the IP literal of %s", (url) => {
    const out = withoutBackendNames({ files: { "vhosts/a.test.conf": vhost(url) } });
    expect(out.files["vhosts/a.test.conf"]).toBe(vhost(url));
  });

  it("leaves files other than the vhosts' and the input bundle untouched", () => {
    const bundle = { files: { "nginx.conf": "# proxy_pass http://x.invalid;\n", "vhosts/a.test.conf": vhost("http://b.invalid:1"), "rules/a.test.conf": "proxy_pass http://b.invalid:1;\n" } };
    const copy = JSON.parse(JSON.stringify(bundle));
    const out = withoutBackendNames(bundle);
    expect(out.files["nginx.conf"]).toBe(bundle.files["nginx.conf"]);
    expect(out.files["rules/a.test.conf"]).toBe(bundle.files["rules/a.test.conf"]);
    expect(out.files["vhosts/a.test.conf"]).toContain("proxy_pass http://127.0.0.1:1;");
    expect(bundle).toEqual(copy);
  });
});
