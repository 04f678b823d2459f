// Fonts for documents' PDFs: pdfkit's built-in Helvetica covers Latin-1 only, so invoices embed Noto fonts
// shipped in npm packages (read from node_modules, nothing downloaded at run time): Noto Sans for Latin, Greek
// and Cyrillic, Noto Sans SC for CJK (Han, kana), Noto Naskh Arabic for Arabic (pdfkit's fontkit shapes it).
// pdfkit has no font fallback, so a text is cut into runs by script and each run is written in its font.
import path from "node:path";

type Script = "sans" | "cjk" | "arabic";

/**
 * Node's own resolver, from this module's place. Taken through `process.getBuiltinModule` rather than an import
 * of `createRequire`: the console's bundler (Turbopack) rewrites `require.resolve` of a computed name into a stub
 * that throws "expression is too dynamic", so a PDF drawn in the console process (dispute evidence forwarded on
 * submission) failed there; it does not rewrite this call. The API's esbuild bundle leaves either form alone.
 */
const resolvePackage: (id: string) => string = process
  .getBuiltinModule("node:module")
  .createRequire(import.meta.url).resolve;

/** A file of the package's fonts/ folder (the packages export only their index, under dist/). */
function fontFile(packageName: string, file: string): string {
  return path.join(path.dirname(resolvePackage(packageName)), "..", "fonts", file);
}

type FontFiles = { readonly [S in Script]: { regular: string; bold: string } };

let fontFiles: FontFiles | null = null;

/**
 * Font files per script and weight (TrueType, and OpenType with CFF outlines for CJK; fontkit reads and subsets
 * them). Resolved on first use, so a process that never draws an invoice never looks for them.
 */
export function pdfFontFiles(): FontFiles {
  fontFiles ??= {
    sans: {
      regular: fontFile("@embedpdf/fonts-latin", "NotoSans-Regular.ttf"),
      bold: fontFile("@embedpdf/fonts-latin", "NotoSans-Bold.ttf"),
    },
    cjk: {
      regular: fontFile("@embedpdf/fonts-sc", "NotoSansHans-Regular.otf"),
      bold: fontFile("@embedpdf/fonts-sc", "NotoSansHans-Bold.otf"),
    },
    arabic: {
      regular: fontFile("@embedpdf/fonts-arabic", "NotoNaskhArabic-Regular.ttf"),
      bold: fontFile("@embedpdf/fonts-arabic", "NotoNaskhArabic-Bold.ttf"),
    },
  };
  return fontFiles;
}

function fontName(script: Script, bold: boolean): string {
  return `${script}-${bold ? "bold" : "regular"}`;
}

/** Registers every font under its name (pdfkit reads a file only when a run uses it, and embeds only its glyphs). */
export function registerPdfFonts(pdf: PDFKit.PDFDocument): void {
  const files = pdfFontFiles();
  for (const script of Object.keys(files) as Script[]) {
    pdf.registerFont(fontName(script, false), files[script].regular);
    pdf.registerFont(fontName(script, true), files[script].bold);
  }
}

function scriptOf(codePoint: number): Script | null {
  if (
    (codePoint >= 0x0600 && codePoint <= 0x06ff) ||
    (codePoint >= 0x0750 && codePoint <= 0x077f) ||
    (codePoint >= 0x08a0 && codePoint <= 0x08ff) ||
    (codePoint >= 0xfb50 && codePoint <= 0xfdff) ||
    (codePoint >= 0xfe70 && codePoint <= 0xfeff)
  )
    return "arabic";
  if (
    (codePoint >= 0x2e80 && codePoint <= 0x2fdf) ||
    (codePoint >= 0x3000 && codePoint <= 0x30ff) ||
    (codePoint >= 0x3400 && codePoint <= 0x4dbf) ||
    (codePoint >= 0x4e00 && codePoint <= 0x9fff) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0xff00 && codePoint <= 0xffef)
  )
    return "cjk";
  // Spaces, digits and common punctuation take the script of the run they are in.
  if (codePoint < 0x80 && !/[A-Za-z]/.test(String.fromCodePoint(codePoint))) return null;
  return "sans";
}

export interface ScriptRun {
  script: Script;
  text: string;
}

/** The text cut into runs of one script each; neutral characters join the run before them. */
export function scriptRuns(text: string): ScriptRun[] {
  const runs: ScriptRun[] = [];
  let pendingNeutral = "";
  for (const character of text) {
    const script = scriptOf(character.codePointAt(0) as number);
    const last = runs.at(-1);
    if (script === null) {
      if (last) last.text += character;
      else pendingNeutral += character;
      continue;
    }
    if (last && last.script === script) last.text += character;
    else {
      // An Arabic run is drawn right to left, so a space or comma ending it would land on its left, gluing it to
      // the next word ("مخبز Хлеб" drew as "مخبزХлеб"): those characters start the next run instead.
      const trailing = last?.script === "arabic" ? (/[\s.,;:!?·-]+$/u.exec(last.text)?.[0] ?? "") : "";
      if (last && trailing !== "") last.text = last.text.slice(0, -trailing.length);
      runs.push({ script, text: trailing + pendingNeutral + character });
      pendingNeutral = "";
    }
  }
  if (pendingNeutral !== "") runs.push({ script: "sans", text: pendingNeutral });
  return runs;
}

/** Writes one paragraph, each script run in its own font (the fonts must be registered). */
export function writeText(pdf: PDFKit.PDFDocument, text: string, options: { bold?: boolean } = {}): void {
  const runs = scriptRuns(text.length === 0 ? " " : text);
  runs.forEach((run, index) => {
    pdf.font(fontName(run.script, options.bold === true));
    pdf.text(run.text, { continued: index < runs.length - 1 });
  });
}
