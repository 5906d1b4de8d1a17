// A bundle's files as a tree (directories fold with <details>) beside one file's syntax-highlighted text.
// Rendered on the server: links choose the file (?file=path), no client script is needed.
import "highlight.js/styles/github.css";
import Link from "next/link";
import { fileTree, highlightConfig, type FileTreeNode } from "@/lib/config/file-view";
import type { BundleFiles } from "@/lib/config/hash";
import { cx } from "./ui";

function fileHref(base: string, path: string) {
  return `${base}?file=${encodeURIComponent(path)}`;
}

function TreeNodes({ nodes, base, selected }: { nodes: FileTreeNode[]; base: string; selected: string | null }) {
  return (
    <ul className="space-y-0.5">
      {nodes.map((n) =>
        n.kind === "dir" ? (
          <li key={n.path}>
            {/* Folded unless it holds the chosen file or is small. */}
            <details open={n.children.length <= 20 || (selected?.startsWith(`${n.path}/`) ?? false)}>
              <summary className="cursor-pointer select-none rounded px-1 font-medium text-slate-700 hover:bg-slate-100">
                {n.name}/ <span className="text-xs font-normal text-slate-500">({n.children.length})</span>
              </summary>
              <div className="ml-3 border-l border-slate-200 pl-2">
                <TreeNodes nodes={n.children} base={base} selected={selected} />
              </div>
            </details>
          </li>
        ) : (
          <li key={n.path}>
            <Link
              href={fileHref(base, n.path)}
              aria-current={n.path === selected ? "page" : undefined}
              className={cx("block truncate rounded px-1 font-mono text-xs hover:bg-slate-100", n.path === selected ? "bg-blue-50 font-semibold text-blue-800" : "text-blue-700")}
              title={n.path}
            >
              {n.name}
            </Link>
          </li>
        ),
      )}
    </ul>
  );
}

export function ConfigFiles({ files, selected, base, empty = "No files." }: { files: BundleFiles; selected: string | null; base: string; empty?: string }) {
  const paths = Object.keys(files);
  if (paths.length === 0) return <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-600">{empty}</p>;
  const text = selected !== null ? files[selected] : undefined;
  return (
    <div className="grid gap-4 md:grid-cols-[16rem_minmax(0,1fr)]">
      <nav aria-label="Files" className="max-h-[70vh] overflow-auto rounded-lg border border-slate-200 bg-white p-3 text-sm">
        <TreeNodes nodes={fileTree(paths)} base={base} selected={selected} />
      </nav>
      {selected === null ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-600">Choose a file to read it.</p>
      ) : text === undefined ? (
        <p role="alert" className="rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900">
          There is no file <span className="font-mono">{selected}</span> here. Choose one from the list.
        </p>
      ) : (
        <FileText path={selected} text={text} />
      )}
    </div>
  );
}

export function FileText({ path, text }: { path: string; text: string }) {
  const lines = text === "" ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  return (
    <section aria-label={`File ${path}`} className="min-w-0 overflow-hidden rounded-lg border border-slate-200 bg-white">
      <header className="flex items-center gap-3 border-b border-slate-200 bg-slate-50 px-4 py-2 text-sm">
        <span className="font-mono font-medium">{path}</span>
        <span className="ml-auto text-xs text-slate-600">
          {lines} line{lines === 1 ? "" : "s"}
        </span>
      </header>
      <div className="flex max-h-[70vh] overflow-auto font-mono text-xs leading-5" role="region" tabIndex={0} aria-label={`Text of ${path}`}>
        <pre aria-hidden className="sticky left-0 select-none border-r border-slate-100 bg-white px-2 py-2 text-right text-slate-600">
          {Array.from({ length: lines }, (_, i) => i + 1).join("\n")}
        </pre>
        {/* highlight.js escapes the text: its output holds only its own <span class="hljs-…"> elements. */}
        <pre className="hljs flex-1 px-3 py-2" data-testid="config-file-text">
          <code dangerouslySetInnerHTML={{ __html: highlightConfig(path, text) }} />
        </pre>
      </div>
    </section>
  );
}
