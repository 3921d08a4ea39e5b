// Reads PDFs as Firefox's viewer does (Mozilla pdf.js) and prints what it sees as JSON:
//   node tests/pdfjs/read.mjs A.pdf [B.pdf ...]  ->  [{"pages": [...]}, ...]
// Each page: its size in points, its text in content order (each run with the marked-content
// id that ties it to the structure tree, or "artifact"), and its structure tree with every
// content leaf replaced by that content's text. tests/pdfjs.py reads this.
import { readFile } from "node:fs/promises";
import { getDocument, VerbosityLevel } from "pdfjs-dist/legacy/build/pdf.mjs";

async function readPage(page) {
  const [width, height] = [page.view[2] - page.view[0], page.view[3] - page.view[1]];
  const content = await page.getTextContent({ includeMarkedContent: true });
  const runs = [];  // [{mc, artifact, text}] in the order of the content stream
  const text = new Map();  // marked-content id -> its text
  const open = [];
  for (const item of content.items) {
    if (item.type === "beginMarkedContentProps" || item.type === "beginMarkedContent") {
      open.push({ id: item.id ?? null, artifact: item.tag === "Artifact" });
    } else if (item.type === "endMarkedContent") {
      open.pop();
    } else if (item.str !== undefined) {
      const mc = open.findLast((m) => m.id !== null)?.id ?? null;
      const artifact = open.some((m) => m.artifact);
      const str = item.str + (item.hasEOL ? "\n" : "");
      if (mc !== null) text.set(mc, (text.get(mc) ?? "") + str);
      const last = runs.at(-1);
      if (last && last.mc === mc && last.artifact === artifact) last.text += str;
      else runs.push({ mc, artifact, text: str });
    }
  }
  const tree = await page.getStructTree();
  const fill = (node) => {
    if (node.type === "content") return { type: "content", id: node.id, text: text.get(node.id) ?? "" };
    if (node.type) return node;  // an object or annotation reference
    return { ...node, children: (node.children ?? []).map(fill) };
  };
  return { width, height, runs, tree: tree ? fill(tree) : null };
}

const results = [];
for (const path of process.argv.slice(2)) {
  const data = new Uint8Array(await readFile(path));
  const document = await getDocument({ data, verbosity: VerbosityLevel.ERRORS, isEvalSupported: false }).promise;
  const pages = [];
  for (let number = 1; number <= document.numPages; number++) {
    pages.push(await readPage(await document.getPage(number)));
  }
  const { info } = await document.getMetadata();
  results.push({ lang: info?.Language ?? null, pages });
  await document.destroy();
}
process.stdout.write(JSON.stringify(results));
