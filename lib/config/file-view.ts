// The revision file viewer's pure parts: a bundle's paths as a directory tree, and a file's text as
// syntax-highlighted HTML (highlight.js escapes the text; its output holds only its own <span>s).
import hljs from "highlight.js/lib/core";
import apache from "highlight.js/lib/languages/apache";
import nginx from "highlight.js/lib/languages/nginx";

hljs.registerLanguage("nginx", nginx);
// ModSecurity's directives (SecRule, SecAction…) follow Apache's configuration syntax.
hljs.registerLanguage("apache", apache);

export type FileTreeNode = { kind: "file"; name: string; path: string } | { kind: "dir"; name: string; path: string; children: FileTreeNode[] };

/** Directories first, then files, each by name. */
export function fileTree(paths: string[]): FileTreeNode[] {
  const root: FileTreeNode & { kind: "dir" } = { kind: "dir", name: "", path: "", children: [] };
  for (const p of paths) {
    const parts = p.split("/");
    let dir = root;
    parts.slice(0, -1).forEach((name, i) => {
      const path = parts.slice(0, i + 1).join("/");
      let next = dir.children.find((c): c is FileTreeNode & { kind: "dir" } => c.kind === "dir" && c.name === name);
      if (!next) dir.children.push((next = { kind: "dir", name, path, children: [] }));
      dir = next;
    });
    dir.children.push({ kind: "file", name: parts[parts.length - 1]!, path: p });
  }
  const order = (nodes: FileTreeNode[]): FileTreeNode[] =>
    nodes
      .map((n) => (n.kind === "dir" ? { ...n, children: order(n.children) } : n))
      .sort((a, b) => (a.kind !== b.kind ? (a.kind === "dir" ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return order(root.children);
}

/** The highlight.js language for a bundle file: nginx for nginx's own files, Apache syntax for ModSecurity's. */
export function languageOf(path: string): "nginx" | "apache" {
  return path.startsWith("modsecurity/") || path.startsWith("rules/") ? "apache" : "nginx";
}

/** The file's text as HTML, every character of the text escaped. */
export function highlightConfig(path: string, text: string): string {
  return hljs.highlight(text, { language: languageOf(path), ignoreIllegals: true }).value;
}
