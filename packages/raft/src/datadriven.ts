/**
 * A parser and runner for datadriven test scripts (the format of cockroachdb/datadriven, used by
 * etcd-io/raft's interaction tests):
 *
 *     # comments and blank lines between blocks are kept as they are
 *     deliver-msgs drop=(2,3) 1
 *     optional input lines
 *     ----
 *     the expected output, up to the next blank line
 *
 * When an expected output itself contains blank lines it is fenced by a doubled separator:
 * `----` `----` <output> `----` `----`. Running a script hands each block to a handler and compares
 * what it returns with the expected text; `rewrite()` produces the file with every expected output
 * replaced by the actual one (UPDATE_GOLDEN=1), leaving comments, commands and spacing untouched.
 */

/** `1` is { key: '1', vals: [] }; `drop=(2,3)` is { key: 'drop', vals: ['2', '3'] }; `a=b` is { key: 'a', vals: ['b'] }. */
export interface CmdArg {
  key: string;
  vals: string[];
}

export interface TestBlock {
  file: string;
  /** 1-based line of the command. */
  line: number;
  /** The command line as written. */
  cmdLine: string;
  cmd: string;
  args: CmdArg[];
  /** Lines between the command and the separator, joined with '\n' (empty when none). */
  input: string;
  /** The expected output: '' or text ending in '\n'. */
  expected: string;
  /** Lines [sepStart, sepEnd) (0-based) hold the separator(s) and expected output: rewrite() replaces them. */
  sepStart: number;
  sepEnd: number;
}

export class ScriptParseError extends Error {
  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'ScriptParseError';
  }
}

const SEP = '----';

export function parseScript(text: string, file = '<script>'): TestBlock[] {
  const lines = splitLines(text);
  const blocks: TestBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (line.trim() === '' || line.trimStart().startsWith('#')) {
      i++;
      continue;
    }
    const cmdIdx = i;
    const { cmd, args } = parseCommandLine(line, file, cmdIdx + 1);
    i++;
    const input: string[] = [];
    while (i < lines.length && lines[i] !== SEP) input.push(lines[i++] as string);
    if (i >= lines.length) throw new ScriptParseError(file, cmdIdx + 1, `command "${line}" has no ${SEP} separator`);
    const sepStart = i;
    i++;
    const out: string[] = [];
    if (lines[i] === SEP) {
      // Fenced output: runs until a doubled separator.
      i++;
      while (i < lines.length && !(lines[i] === SEP && lines[i + 1] === SEP)) out.push(lines[i++] as string);
      if (i >= lines.length) throw new ScriptParseError(file, sepStart + 1, `unterminated ${SEP} ${SEP} block`);
      i += 2;
    } else {
      while (i < lines.length && (lines[i] as string) !== '') out.push(lines[i++] as string);
    }
    blocks.push({
      file,
      line: cmdIdx + 1,
      cmdLine: line,
      cmd,
      args,
      input: input.join('\n'),
      expected: out.length === 0 ? '' : out.join('\n') + '\n',
      sepStart,
      sepEnd: i,
    });
  }
  return blocks;
}

/** Splits a command line into its name and arguments; parentheses group comma-separated lists. */
export function parseCommandLine(line: string, file = '<script>', lineNo = 0): { cmd: string; args: CmdArg[] } {
  const tokens = tokenize(line, file, lineNo);
  const cmd = tokens.shift();
  if (cmd === undefined) throw new ScriptParseError(file, lineNo, 'empty command');
  const args = tokens.map((t): CmdArg => {
    const eq = t.indexOf('=');
    if (eq < 0 || t.startsWith('"')) return { key: unquote(t), vals: [] };
    const key = t.slice(0, eq);
    const val = t.slice(eq + 1);
    if (key === '') throw new ScriptParseError(file, lineNo, `argument "${t}" has no key`);
    if (val.startsWith('(')) {
      if (!val.endsWith(')')) throw new ScriptParseError(file, lineNo, `unbalanced parentheses in "${t}"`);
      const inner = val.slice(1, -1).trim();
      return { key, vals: inner === '' ? [] : inner.split(',').map((v) => unquote(v.trim())) };
    }
    return { key, vals: [unquote(val)] };
  });
  return { cmd: unquote(cmd), args };
}

/** Whitespace separates tokens except inside parentheses or double quotes. */
function tokenize(line: string, file: string, lineNo: number): string[] {
  const tokens: string[] = [];
  let cur = '';
  let depth = 0;
  let quoted = false;
  for (const ch of line.trim()) {
    if (quoted) {
      cur += ch;
      if (ch === '"') quoted = false;
    } else if (ch === '"') {
      cur += ch;
      quoted = true;
    } else if (ch === '(') {
      depth++;
      cur += ch;
    } else if (ch === ')') {
      if (--depth < 0) throw new ScriptParseError(file, lineNo, `unbalanced ")" in "${line}"`);
      cur += ch;
    } else if (/\s/.test(ch) && depth === 0) {
      if (cur !== '') tokens.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (quoted) throw new ScriptParseError(file, lineNo, `unterminated quote in "${line}"`);
  if (depth !== 0) throw new ScriptParseError(file, lineNo, `unbalanced "(" in "${line}"`);
  if (cur !== '') tokens.push(cur);
  return tokens;
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

function splitLines(text: string): string[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export interface BlockResult {
  block: TestBlock;
  actual: string;
}

export interface ScriptRun {
  results: BlockResult[];
  mismatches: BlockResult[];
  /** The script with every expected output replaced by the actual one. */
  rewrite(): string;
}

/**
 * Runs every block of `text` through `handler` in order. A handler that throws aborts the run
 * with the block's position in the message: a script error must never become a golden output.
 */
export function runScript(text: string, file: string, handler: (b: TestBlock) => string): ScriptRun {
  const blocks = parseScript(text, file);
  const results = blocks.map((block): BlockResult => {
    let out: string;
    try {
      out = handler(block);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      const wrapped = new Error(`${file}:${block.line}: "${block.cmdLine}" failed: ${e.message}`, { cause: e });
      if (e.stack !== undefined) wrapped.stack = `${wrapped.message}\n${e.stack}`;
      throw wrapped;
    }
    return { block, actual: out === '' || out.endsWith('\n') ? out : out + '\n' };
  });
  return {
    results,
    mismatches: results.filter((r) => r.actual !== r.block.expected),
    rewrite: () => rewriteScript(text, results),
  };
}

function rewriteScript(text: string, results: BlockResult[]): string {
  const lines = splitLines(text);
  for (let k = results.length - 1; k >= 0; k--) {
    const { block, actual } = results[k] as BlockResult;
    const out = actual === '' ? [] : actual.slice(0, -1).split('\n');
    const fenced = out.some((l) => l === '' || l === SEP);
    const replacement = fenced ? [SEP, SEP, ...out, SEP, SEP] : [SEP, ...out];
    lines.splice(block.sepStart, block.sepEnd - block.sepStart, ...replacement);
  }
  return lines.join('\n') + '\n';
}

/** A readable report of a mismatch: position, command, and a line diff (- expected, + actual). */
export function describeMismatch(r: BlockResult): string {
  const b = r.block;
  return (
    `${b.file}:${b.line}: output of "${b.cmdLine}" differs (- expected, + actual):\n` +
    lineDiff(b.expected, r.actual) +
    '\nrun with UPDATE_GOLDEN=1 to rewrite the expected output, then review the diff'
  );
}

/** A unified-style line diff (LCS), showing up to `context` unchanged lines around each change. */
export function lineDiff(expected: string, actual: string, context = 3): string {
  const a = expected === '' ? [] : expected.replace(/\n$/, '').split('\n');
  const b = actual === '' ? [] : actual.replace(/\n$/, '').split('\n');
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    const row = lcs[i] as number[];
    const next = lcs[i + 1] as number[];
    for (let j = b.length - 1; j >= 0; j--) {
      row[j] = a[i] === b[j] ? (next[j + 1] as number) + 1 : Math.max(next[j] as number, row[j + 1] as number);
    }
  }
  const at = (x: number, y: number): number => (lcs[x] as number[])[y] as number;
  const ops: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push(`  ${a[i++]}`);
      j++;
    } else if (i < a.length && (j >= b.length || at(i + 1, j) >= at(i, j + 1))) {
      ops.push(`- ${a[i++]}`);
    } else {
      ops.push(`+ ${b[j++]}`);
    }
  }
  const changed = ops.map((op) => !op.startsWith('  '));
  const keep = ops.map((_, k) => changed.slice(Math.max(0, k - context), k + context + 1).some(Boolean));
  const shown: string[] = [];
  ops.forEach((op, k) => {
    if (keep[k]) shown.push(op);
    else if (k === 0 || keep[k - 1]) shown.push('  ...');
  });
  return shown.join('\n');
}
