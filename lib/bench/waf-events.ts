// Realistic WAF events for the scale seed (`npm run seed:scale -- --waf-events N`) and the /events benchmark
// (part l): the wire form a node agent ships (lib/events/schema.ts WafEvent, the same type the ingestion
// bench sends), deterministic per seed and index. What makes them realistic: CRS 3/4 rule ids with their
// paranoia levels, severities and tags, grouped by attack (scanners, SQL injection, XSS, traversal, RCE,
// protocol violations, and false positives on ordinary traffic); 2–5 matched rules per event, bookkeeping
// rules (949110, 980170) included; mostly detected, some blocked (only when the score reaches the
// threshold); client addresses and paths with a heavy head (a few scanners send a large share); a daily
// rhythm over the time span. Pure: no database.
import type { EventMatch, WafEvent } from "@/lib/events/schema";
import { pick, type Rng } from "./data";

type CrsRule = { id: number; msg: string; pl: 1 | 2 | 3 | 4; severity: 2 | 3 | 4 | 5; attack: string; variables: string[]; data: string[] };

/** CRS anomaly score per severity (CRITICAL 5, ERROR 4, WARNING 3, NOTICE 2). */
const SCORE: Record<CrsRule["severity"], number> = { 2: 5, 3: 4, 4: 3, 5: 2 };
const INBOUND_THRESHOLD = 5;

const R = (id: number, msg: string, pl: CrsRule["pl"], severity: CrsRule["severity"], attack: string, variables: string[], data: string[]): CrsRule => ({ id, msg, pl, severity, attack, variables, data });

const SCANNER = [
  R(913100, "Found User-Agent associated with security scanner", 1, 2, "attack-reputation-scanner", ["REQUEST_HEADERS:User-Agent"], ["nikto", "sqlmap/1.7.2", "masscan", "Nuclei - Open-source project"]),
  R(920350, "Host header is a numeric IP address", 1, 4, "attack-protocol", ["REQUEST_HEADERS:Host"], ["203.0.113.80", "198.51.100.4"]),
  R(920440, "URL file extension is restricted by policy", 1, 2, "attack-protocol", ["REQUEST_FILENAME"], [".env", ".git", ".bak", ".sql"]),
  R(930130, "Restricted File Access Attempt", 1, 2, "attack-lfi", ["REQUEST_FILENAME"], ["/.env", "/.git/config", "/wp-config.php.bak"]),
  R(920300, "Request Missing an Accept Header", 2, 5, "attack-protocol", ["REQUEST_HEADERS"], [""]),
];
const SQLI = [
  R(942100, "SQL Injection Attack Detected via libinjection", 1, 2, "attack-sqli", ["ARGS:q", "ARGS:id", "ARGS:sort"], ["s&1c", "1' or '1'='1", "1 union select"]),
  R(942190, "Detects MSSQL code execution and information gathering attempts", 1, 2, "attack-sqli", ["ARGS:id", "ARGS:q"], ["union select", "exec master"]),
  R(942200, "Detects MySQL comment-/space-obfuscated injections and backtick termination", 2, 2, "attack-sqli", ["ARGS:q", "ARGS:filter"], ["/**/or/**/", "`name`"]),
  R(942260, "Detects basic SQL authentication bypass attempts 2/3", 2, 2, "attack-sqli", ["ARGS:username", "ARGS:q"], ["' or 1=1--", "admin'--"]),
  R(942430, "Restricted SQL Character Anomaly Detection (args): # of special characters exceeded (12)", 2, 4, "attack-sqli", ["ARGS:filter", "ARGS:q", "ARGS:data"], ["((((((((((((", "'''''''''''''"]),
  R(942490, "Detects classic SQL injection probings 3/3", 3, 2, "attack-sqli", ["ARGS:q"], ["\"',"]),
];
const XSS = [
  R(941100, "XSS Attack Detected via libinjection", 1, 2, "attack-xss", ["ARGS:q", "ARGS:comment", "ARGS:name"], ["<script>", "<img src=x onerror=alert(1)>"]),
  R(941110, "XSS Filter - Category 1: Script Tag Vector", 1, 2, "attack-xss", ["ARGS:comment", "ARGS:q"], ["<script"]),
  R(941160, "NoScript XSS InjectionChecker: HTML Injection", 1, 2, "attack-xss", ["ARGS:comment", "ARGS:html"], ["<svg onload", "<iframe"]),
  R(941320, "Possible XSS Attack Detected - HTML Tag Handler", 2, 2, "attack-xss", ["ARGS:content", "ARGS:html"], ["<div", "<p"]),
];
const TRAVERSAL = [
  R(930100, "Path Traversal Attack (/../) or (/.../)", 1, 2, "attack-lfi", ["REQUEST_URI_RAW", "ARGS:file"], ["%2e%2e%2f", "..%2f"]),
  R(930110, "Path Traversal Attack (/../) or (/.../)", 1, 2, "attack-lfi", ["ARGS:file", "ARGS:path"], ["../", "..\\"]),
  R(930120, "OS File Access Attempt", 1, 2, "attack-lfi", ["ARGS:file", "ARGS:template"], ["etc/passwd", "proc/self/environ"]),
  R(932160, "Remote Command Execution: Unix Shell Code Found", 1, 2, "attack-rce", ["ARGS:file"], ["bin/sh", "etc/passwd"]),
];
const RCE = [
  R(932100, "Remote Command Execution: Unix Command Injection", 1, 2, "attack-rce", ["ARGS:host", "ARGS:cmd"], [";cat /etc/passwd", "|id"]),
  R(932110, "Remote Command Execution: Windows Command Injection", 1, 2, "attack-rce", ["ARGS:cmd"], ["&dir", "|type"]),
  R(932150, "Remote Command Execution: Direct Unix Command Execution", 1, 2, "attack-rce", ["ARGS:host", "REQUEST_HEADERS:User-Agent"], ["wget http", "curl -s"]),
  R(932200, "RCE Bypass Technique", 2, 2, "attack-rce", ["ARGS:host"], ["c$@at", "/???/??t"]),
];
const PROTOCOL = [
  R(920420, "Request content type is not allowed by policy", 1, 2, "attack-protocol", ["REQUEST_HEADERS:Content-Type"], ["text/xml", "application/x-www-form-urlencoded;charset=utf-7"]),
  R(920170, "GET or HEAD Request with Body Content", 1, 2, "attack-protocol", ["REQUEST_HEADERS:Content-Length"], ["42"]),
  R(920270, "Invalid character in request (null character)", 1, 2, "attack-protocol", ["ARGS:q", "REQUEST_URI"], ["%00"]),
  R(921110, "HTTP Request Smuggling Attack", 1, 2, "attack-protocol", ["ARGS_NAMES", "REQUEST_BODY"], ["GET /admin HTTP/1.1"]),
  R(920230, "Multiple URL Encoding Detected", 2, 4, "attack-protocol", ["ARGS:q", "ARGS:url"], ["%2527", "%252f"]),
  R(920273, "Invalid character in request (outside of very strict set)", 4, 2, "attack-protocol", ["ARGS:q", "REQUEST_URI"], ["~", "{"]),
];
/** What ordinary traffic trips at higher paranoia levels: the false positives an admin tunes away. */
const FALSE_POSITIVE = [
  R(942430, "Restricted SQL Character Anomaly Detection (args): # of special characters exceeded (12)", 2, 4, "attack-sqli", ["ARGS:filter", "ARGS:json"], ['{"a":[1,2],"b":{"c":"(d)"}}']),
  R(941320, "Possible XSS Attack Detected - HTML Tag Handler", 2, 2, "attack-xss", ["ARGS:content", "ARGS:body"], ["<p>", "<strong>"]),
  R(920272, "Invalid character in request (outside of printable chars below ascii 127)", 3, 2, "attack-protocol", ["ARGS:name", "ARGS:city"], ["ü", "é"]),
  R(942421, "Restricted SQL Character Anomaly Detection (cookies): # of special characters exceeded (3)", 4, 4, "attack-sqli", ["REQUEST_COOKIES:prefs"], ["a=b;c=d;e=f"]),
  R(920300, "Request Missing an Accept Header", 2, 5, "attack-protocol", ["REQUEST_HEADERS"], [""]),
];

type Scenario = { weight: number; rules: CrsRule[]; paths: string[]; query: (r: Rng) => string; methods: string[]; blockChance: number };

const SCENARIOS: Scenario[] = [
  { weight: 25, rules: SCANNER, paths: ["/.env", "/wp-login.php", "/xmlrpc.php", "/.git/config", "/phpmyadmin/index.php", "/admin/config.php.bak", "/cgi-bin/luci", "/boaform/admin/formLogin", "/backup.sql"], query: () => "", methods: ["GET", "GET", "HEAD", "POST"], blockChance: 0.5 },
  { weight: 20, rules: SQLI, paths: ["/search", "/products", "/api/v1/items", "/login", "/catalog/view", "/news"], query: (r) => `?${pick(r, ["q", "id", "sort"])}=${pick(r, ["1%27%20or%20%271%27%3D%271", "1%20union%20select%201,2,3--", "%27))%20or%201%3D1--"])}`, methods: ["GET", "GET", "POST"], blockChance: 0.45 },
  { weight: 12, rules: XSS, paths: ["/search", "/comment", "/contact", "/profile/edit"], query: (r) => `?q=${pick(r, ["%3Cscript%3Ealert(1)%3C%2Fscript%3E", "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"])}`, methods: ["GET", "POST"], blockChance: 0.45 },
  { weight: 10, rules: TRAVERSAL, paths: ["/download", "/static/file", "/index.php", "/api/v1/export"], query: (r) => `?file=${pick(r, ["..%2F..%2F..%2Fetc%2Fpasswd", "....%2F%2Fproc%2Fself%2Fenviron"])}`, methods: ["GET"], blockChance: 0.5 },
  { weight: 8, rules: RCE, paths: ["/api/ping", "/cgi-bin/status", "/tools/lookup", "/shell"], query: (r) => `?host=${pick(r, ["127.0.0.1%3Bcat%20%2Fetc%2Fpasswd", "x%7Cid"])}`, methods: ["GET", "POST"], blockChance: 0.5 },
  { weight: 13, rules: PROTOCOL, paths: ["/", "/api/v1/orders", "/upload", "/graphql", "/login"], query: () => "", methods: ["GET", "POST", "PUT"], blockChance: 0.3 },
  { weight: 12, rules: FALSE_POSITIVE, paths: ["/api/v1/orders", "/cms/editor", "/checkout", "/account/settings", "/api/v1/search"], query: (r) => pick(r, ["", "?page=2", "?filter=%7B%22a%22%3A1%7D"]), methods: ["POST", "POST", "GET", "PUT"], blockChance: 0.1 },
];
const SCENARIO_TOTAL = SCENARIOS.reduce((s, x) => s + x.weight, 0);

const TAGS_COMMON = ["application-multi", "language-multi", "platform-multi"];

function scoringMatch(r: Rng, rule: CrsRule): EventMatch {
  const data = pick(r, rule.data);
  return {
    ruleId: rule.id,
    message: rule.msg,
    tags: [...TAGS_COMMON, rule.attack, `paranoia-level/${rule.pl}`, "OWASP_CRS", ...(rule.attack === "attack-sqli" ? ["capec/1000/152/248/66"] : [])],
    severity: rule.severity,
    paranoiaLevel: rule.pl,
    variable: pick(r, rule.variables),
    data,
    value: data,
  };
}

const BLOCKING_EVALUATION = (score: number): EventMatch => ({
  ruleId: 949110,
  message: `Inbound Anomaly Score Exceeded (Total Score: ${score})`,
  tags: ["anomaly-evaluation", "OWASP_CRS"],
  severity: 2,
  paranoiaLevel: null,
  variable: null,
  data: null,
  value: null,
});
const REPORTING = (score: number): EventMatch => ({
  ruleId: 980170,
  message: `Anomaly Scores: (Inbound Scores: blocking=${score}, detection=${score}, per_pl=${score}-0-0-0, threshold=${INBOUND_THRESHOLD}) - (Outbound Scores: blocking=0, detection=0, per_pl=0-0-0-0, threshold=4)`,
  tags: ["reporting", "OWASP_CRS"],
  severity: null,
  paranoiaLevel: null,
  variable: null,
  data: null,
  value: null,
});

/**
 * The `index`-th address of the pool, deterministically: the first 48 are a few scanning networks (two
 * IPv4 /24s and one IPv6 /64), the rest spread over public-looking ranges, one in ten IPv6.
 */
export function clientAddressOf(index: number): string {
  if (index < 16) return `45.148.10.${10 + index}`;
  if (index < 32) return `185.220.101.${index}`;
  if (index < 48) return `2a06:4880:1000::${(index - 31).toString(16)}`;
  const h = Math.imul(index, 2654435761) >>> 0;
  if (index % 10 === 0) return `2001:db8:${(h & 0xffff).toString(16)}:${((h >>> 16) & 0xffff).toString(16)}::${(index % 0xfffe).toString(16)}`;
  const first = [23, 31, 45, 51, 62, 77, 89, 91, 103, 141, 176, 185, 193, 203, 212][h % 15]!;
  return `${first}.${(h >>> 8) & 0xff}.${(h >>> 16) & 0xff}.${1 + ((h >>> 24) % 254)}`;
}

/** How many distinct client addresses the events come from (the head of the pool sends most). */
export const CLIENT_POOL = 60_000;

/** `r()` skewed towards 0 (more so for a higher power): an index into a pool with a heavy head. */
const skewed = (r: Rng, power: number) => Math.pow(r(), power);

/**
 * The `index`-th event of a seed: `vhostIndex` into `vhosts` (the first ones busiest) and `nodeIndex` into
 * `nodeCount` nodes come out with it, so the caller maps them to real rows. The generator draws the same
 * number of values whatever the counts, so index i is the same event in every run of the same seed.
 */
export function makeWafEvent(r: Rng, seed: number, index: number, time: Date, vhosts: readonly string[], nodeCount: number): WafEvent & { vhostIndex: number; nodeIndex: number } {
  const vhostIndex = Math.floor(skewed(r, 2.5) * vhosts.length);
  const nodeIndex = Math.floor(r() * nodeCount);
  let x = r() * SCENARIO_TOTAL;
  const scenario = SCENARIOS.find((s) => (x -= s.weight) < 0) ?? SCENARIOS[0]!;
  // 1–3 distinct scoring rules of the scenario, lower paranoia levels more likely.
  const wanted = 1 + Math.floor(skewed(r, 1.6) * 3);
  const chosen: CrsRule[] = [];
  for (let k = 0; k < 6 && chosen.length < wanted; k++) {
    const rule = scenario.rules[Math.floor(skewed(r, 1.4) * scenario.rules.length)]!;
    if (!chosen.includes(rule)) chosen.push(rule);
  }
  const matches = chosen.map((rule) => scoringMatch(r, rule));
  const score = chosen.reduce((s, rule) => s + SCORE[rule.severity], 0);
  const blocked = score >= INBOUND_THRESHOLD && r() < scenario.blockChance;
  const reported = r() < 0.5;
  if (blocked) {
    matches.push(BLOCKING_EVALUATION(score));
    if (reported && matches.length < 5) matches.push(REPORTING(score));
  } else matches.push(REPORTING(score));
  const path = scenario.paths[Math.floor(skewed(r, 1.8) * scenario.paths.length)]!;
  const query = scenario.query(r);
  const method = pick(r, scenario.methods);
  const client = clientAddressOf(Math.floor(skewed(r, 4) * CLIENT_POOL));
  const status = blocked ? 403 : pick(r, [200, 200, 200, 404, 404, 301, 302, 500]);
  return {
    transactionId: `seed-${seed}-${index}`,
    time: time.toISOString().replace(/\.\d{3}Z$/, "Z"),
    vhost: vhosts[vhostIndex] ?? "unknown.invalid",
    clientAddress: client,
    method,
    uri: `${path}${query}`,
    status,
    outcome: blocked ? "blocked" : "detected",
    inboundScore: score,
    outboundScore: 0,
    matches,
    vhostIndex,
    nodeIndex,
  };
}

/**
 * The time of event `index` of `count`, spread from `start` over `spanMs` in order, with a daily rhythm
 * (about three times as many events in the busiest hour as in the quietest): the i-th of count evenly spaced
 * points, warped by a monotone function whose density is 1 + 0.5·cos(2π·days).
 */
export function eventTime(index: number, count: number, start: number, spanMs: number, jitter: number): Date {
  const u = Math.min(1, (index + jitter) / Math.max(1, count));
  const days = spanMs / 86_400_000;
  const w = 2 * Math.PI * days;
  const warped = u + (0.5 * Math.sin(w * u)) / w;
  return new Date(start + Math.min(spanMs - 1, Math.max(0, Math.floor(warped * spanMs))));
}
