// How a stored domain name is shown. Domains and aliases are stored as nginx sees them: internationalised
// names in punycode (lib/vhosts/hostname.ts). People read "bücher.example.de", not "xn--bcher-kva.example.de",
// so pages show the Unicode form with the punycode beside it. Never the Unicode form alone: a look-alike
// (Cyrillic "а" for Latin "a") would then read exactly as the name it imitates; its punycode gives it away.
// Server code only (node:url); client components get both forms as props (components/domain-name.tsx).
import "server-only";
import { domainToASCII, domainToUnicode } from "node:url";

/** A stored (ASCII) domain and its Unicode form; the two are equal for a name without xn-- labels. */
export type DomainForms = { ascii: string; unicode: string };

export function domainForms(ascii: string): DomainForms {
  // domainToUnicode answers "" for a name it cannot decode (a malformed xn-- label): show what is stored.
  const unicode = /(^|\.)xn--/i.test(ascii) ? domainToUnicode(ascii) : ascii;
  return { ascii, unicode: unicode || ascii };
}

/** One line of text: "bücher.example.de (xn--bcher-kva.example.de)", or the name itself when it is plain ASCII. */
export function domainLabel(ascii: string): string {
  return formatDomain(domainForms(ascii));
}

export function formatDomain({ ascii, unicode }: DomainForms): string {
  return unicode === ascii ? ascii : `${unicode} (${ascii})`;
}

/**
 * What a search for (part of) a domain looks for in the stored names: the text itself, lowercase, and for
 * text with non-ASCII letters ("bücher") also its punycode ("xn--bcher-kva"), so people can search for a
 * name as they read it.
 */
export function domainSearchTerms(query: string): string[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  // Only text that can be (part of) a name: domainToASCII would read "bü/x" as the host of a URL.
  const ascii = /[^\p{ASCII}]/u.test(q) && /^[\p{L}\p{M}\p{N}.-]+$/u.test(q) ? domainToASCII(q.replace(/^\.+|\.+$/g, "")) : "";
  return ascii && ascii !== q ? [q, ascii] : [q];
}
