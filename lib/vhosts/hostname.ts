// Hostnames as nginx's server_name and the certificate will see them: internationalised names become
// punycode (via the WHATWG URL parser, the same in the browser and on the server), then each label is
// checked against the LDH rule.

export type HostnameResult = { ok: true; ascii: string } | { ok: false; error: string };

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function toAsciiHostname(input: string): HostnameResult {
  const raw = input.trim().replace(/\.$/, "");
  if (!raw) return { ok: false, error: "Enter a domain name, e.g. shop.example.com." };
  if (raw.length > 253) return { ok: false, error: "A domain name has at most 253 characters." };
  if (/[\s/\\?#@:%"'<>`{};,|^*[\]]/.test(raw) || /\p{Cc}/u.test(raw)) {
    return { ok: false, error: "A domain name cannot contain spaces, slashes, ports or punctuation other than '-' and '.'." };
  }
  let ascii: string;
  try {
    ascii = new URL(`http://${raw}`).hostname;
  } catch {
    return { ok: false, error: `"${raw}" is not a valid domain name.` };
  }
  if (ascii.length > 253) return { ok: false, error: "A domain name has at most 253 characters (after conversion to punycode)." };
  const labels = ascii.split(".");
  if (labels.length < 2) return { ok: false, error: "Use a fully qualified name with at least one dot, e.g. app.example.com." };
  if (labels.some((l) => !LABEL.test(l))) {
    return { ok: false, error: "Each part of a domain name has 1–63 letters, digits or hyphens and does not start or end with a hyphen." };
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) {
    return { ok: false, error: "That looks like an IP address; a virtual host needs a domain name." };
  }
  return { ok: true, ascii };
}
