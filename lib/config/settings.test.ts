import { describe, expect, it } from "vitest";
import { compileBundle } from "@/lib/waf/compile";
import { sampleInput, sampleVhost } from "@/lib/waf/samples";
import { DEFAULT_COMPILER_SETTINGS } from "@/lib/waf/types";
import { certificateFiles, certificatePaths, describeCheckError, locateError, placeholderCertificatePaths } from "./check";
import { compilerSettingsFromEnv, SettingsError } from "./settings";

describe("compilerSettingsFromEnv", () => {
  it("defaults to Debian's paths and CRS 3.3", () => {
    expect(compilerSettingsFromEnv({})).toEqual(DEFAULT_COMPILER_SETTINGS);
  });

  it("reads every setting", () => {
    expect(
      compilerSettingsFromEnv({
        PALISADE_CRS_VERSION: "4",
        PALISADE_CRS_SETUP: "/opt/crs/crs-setup.conf",
        PALISADE_CRS_RULES_DIR: "/opt/crs/rules",
        PALISADE_MODSEC_MODULE: "/opt/nginx/modsec.so",
        PALISADE_UNICODE_MAPPING: "/opt/nginx/unicode.mapping",
        PALISADE_CERT_DIR: "/etc/ssl/palisade",
        PALISADE_LISTEN_HTTP: "8080",
        PALISADE_LISTEN_HTTPS: "8443",
        PALISADE_LISTEN_ADDRESSES: "127.0.0.1, ::1",
        PALISADE_INSTALL_DIR: "/srv/waf",
      }),
    ).toEqual({
      crsVersion: "4",
      crsSetupPath: "/opt/crs/crs-setup.conf",
      crsRulesDir: "/opt/crs/rules",
      modsecModulePath: "/opt/nginx/modsec.so",
      unicodeMappingPath: "/opt/nginx/unicode.mapping",
      certDir: "/etc/ssl/palisade",
      listenHttp: 8080,
      listenHttps: 8443,
      listenAddresses: ["127.0.0.1", "::1"],
      installDir: "/srv/waf",
    });
  });

  it("names the variable it cannot use", () => {
    expect(() => compilerSettingsFromEnv({ PALISADE_CRS_VERSION: "3.2" })).toThrow(new SettingsError('PALISADE_CRS_VERSION must be 3.3 or 4; got "3.2"'));
    expect(() => compilerSettingsFromEnv({ PALISADE_LISTEN_HTTP: "http" })).toThrow('PALISADE_LISTEN_HTTP must be a port number (1–65535); got "http"');
    expect(() => compilerSettingsFromEnv({ PALISADE_LISTEN_HTTPS: "70000" })).toThrow(SettingsError);
  });
});

describe("engine check helpers", () => {
  const bundle = compileBundle(sampleInput([sampleVhost("tls.example.com", { tlsMode: "TERMINATE", certificateRef: "shop" }), sampleVhost("plain.example.com")]));

  it("lists the certificate files the server blocks need", () => {
    expect(certificatePaths(bundle)).toEqual(["certs/shop/fullchain.pem", "certs/shop/privkey.pem"]);
  });

  it("names what each certificate file is and which vhosts load it; only files inside the bundle get placeholders", () => {
    const shared = compileBundle(
      sampleInput([
        sampleVhost("b.example.com", { tlsMode: "REDIRECT", certificateRef: "shop" }),
        sampleVhost("a.example.com", { tlsMode: "TERMINATE", certificateRef: "shop" }),
        sampleVhost("plain.example.com"),
      ]),
    );
    expect(certificateFiles(shared)).toEqual([
      { path: "certs/shop/fullchain.pem", kind: "chain", domains: ["a.example.com", "b.example.com"] },
      { path: "certs/shop/privkey.pem", kind: "key", domains: ["a.example.com", "b.example.com"] },
    ]);
    expect(placeholderCertificatePaths(shared)).toEqual(["certs/shop/fullchain.pem", "certs/shop/privkey.pem"]);
    const absolute = compileBundle(sampleInput([sampleVhost("a.example.com", { tlsMode: "TERMINATE", certificateRef: "shop" })], { certDir: "/etc/palisade/certs" }));
    expect(certificateFiles(absolute).map((f) => f.path)).toEqual(["/etc/palisade/certs/shop/fullchain.pem", "/etc/palisade/certs/shop/privkey.pem"]);
    expect(placeholderCertificatePaths(absolute)).toEqual([]);
  });

  it("finds the vhost and line of an error nginx reports without a position", () => {
    const located = locateError({ file: null, line: null, message: 'cannot load certificate "certs/shop/fullchain.pem": BIO_new_file() failed' }, bundle);
    const line = bundle.files["vhosts/tls.example.com.conf"]!.split("\n").findIndex((l) => l.includes("certs/shop/fullchain.pem")) + 1;
    expect(located).toMatchObject({ file: "vhosts/tls.example.com.conf", line, vhost: "tls.example.com" });
    expect(locateError({ file: null, line: null, message: "something else" }, bundle)).toEqual({ file: null, line: null, message: "something else" });
  });

  it("describes an error with its position", () => {
    expect(describeCheckError({ file: "rules/a.conf", line: 3, vhost: "a", message: "boom" })).toBe("rules/a.conf line 3 (virtual host a): boom");
    expect(describeCheckError({ file: "nginx.conf", line: null, message: "boom" })).toBe("nginx.conf: boom");
    expect(describeCheckError({ file: null, line: null, message: "boom" })).toBe("boom");
  });
});
