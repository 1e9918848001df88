// The column names of a CSV file, read in the browser from its first line,
// so the files page can offer them. The service decides for itself; this
// only suggests (an XLSX is not unpacked here).

const DELIMITERS = [",", ";", "\t"];

/** The cells of one CSV line; quotes may wrap a cell and double inside it. */
export function splitLine(line: string, delimiter: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;

  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted && char === '"' && line[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (char === delimiter && !quoted) {
      cells.push(cell);
      cell = "";
    } else {
      cell += char;
    }
  }
  cells.push(cell);

  return cells.map((name) => name.trim());
}

/** The header names of `text`, split on whichever delimiter gives the most. */
export function csvColumns(text: string): string[] {
  const firstLine = text.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  const candidates = DELIMITERS.map((delimiter) => splitLine(firstLine, delimiter));
  const best = candidates.reduce((most, cells) => (cells.length > most.length ? cells : most));

  return best.filter((name) => name !== "");
}

/** Decode the start of a file as UTF-8, else as Windows-1251 (old Russian Excel). */
export function decodeStart(bytes: ArrayBuffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder("windows-1251").decode(bytes);
  }
}

/** Suggested columns for a picked file: a CSV's header, nothing for others. */
export async function suggestColumns(file: File): Promise<string[]> {
  if (!file.name.toLowerCase().endsWith(".csv")) return [];

  // A header line fits in 64 KB; a cut multi-byte character at the end
  // would fail UTF-8, so cut at the last line break first.
  const start = await file.slice(0, 64 * 1024).arrayBuffer();
  const bytes = new Uint8Array(start);
  const end = bytes.lastIndexOf(0x0a);
  return csvColumns(decodeStart(end > 0 ? start.slice(0, end) : start));
}
