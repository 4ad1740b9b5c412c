// --token-auth-file: static bearer tokens from a CSV file, `token,user,uid,"group1,group2"`.
// Parsed as Go's encoding/csv reads it (quoted fields, "" for a quote, records of any length) and
// with kube-apiserver's rules: fewer than three columns or an empty token skip the record with a
// warning, a repeated token warns and the later record wins, a syntax error rejects the file.
import { promises as fs } from 'node:fs';
import type { UserInfo } from '../user';

export type TokenFileParse =
  | { ok: true; tokens: Map<string, UserInfo>; warnings: string[] }
  | { ok: false; error: string };

export function parseTokenFile(text: string, fileName = 'token file'): TokenFileParse {
  const records = parseCsv(text);
  if (!Array.isArray(records)) return { ok: false, error: records.error };
  const tokens = new Map<string, UserInfo>();
  const warnings: string[] = [];
  let recordNum = 0;
  for (const record of records) {
    if (record.length < 3) {
      warnings.push(`token file '${fileName}' must have at least 3 columns (token, user name, user uid), found ${record.length}`);
      continue;
    }
    recordNum++;
    const [token, username, uid] = record as [string, string, string, ...string[]];
    if (token === '') {
      warnings.push(`empty token has been found in token file '${fileName}', record number '${recordNum}'`);
      continue;
    }
    if (tokens.has(token)) warnings.push(`duplicate token has been found in token file '${fileName}', record number '${recordNum}'`);
    const user: UserInfo = { username, uid, groups: record.length >= 4 ? (record[3] as string).split(',') : [] };
    tokens.set(token, user);
  }
  return { ok: true, tokens, warnings };
}

/** Authenticates bearer tokens listed in a token file; unknown tokens are left to other authenticators. */
export class TokenFileAuthenticator {
  constructor(private readonly tokens: ReadonlyMap<string, UserInfo>) {}

  static async fromFile(file: string): Promise<{ ok: true; authenticator: TokenFileAuthenticator; warnings: string[] } | { ok: false; error: string }> {
    const parsed = parseTokenFile(await fs.readFile(file, 'utf8'), file);
    if (!parsed.ok) return { ok: false, error: `failed to load token file ${file}: ${parsed.error}` };
    return { ok: true, authenticator: new TokenFileAuthenticator(parsed.tokens), warnings: parsed.warnings };
  }

  authenticateToken(token: string): UserInfo | undefined {
    const user = this.tokens.get(token);
    return user === undefined ? undefined : { ...user, groups: [...user.groups] };
  }
}

/**
 * Records of a CSV text, or the error Go's csv.Reader reports, e.g.
 * `parse error on line 3, column 5: bare " in non-quoted-field`. Empty lines are skipped; a quoted
 * field may span lines. Lines and columns count from 1; columns in characters.
 */
export function parseCsv(text: string): string[][] | { error: string } {
  const src = text.replace(/\r\n/g, '\n');
  const records: string[][] = [];
  let i = 0;
  let line = 1;
  while (i < src.length) {
    if (src[i] === '\n') {
      i++;
      line++;
      continue;
    }
    const startLine = line;
    const record: string[] = [];
    let lineStart = src.lastIndexOf('\n', i - 1) + 1;
    for (;;) {
      let field = '';
      if (src[i] === '"') {
        i++;
        for (;;) {
          if (i >= src.length) return parseError(startLine, line, i - lineStart + 1, 'extraneous or missing " in quoted-field');
          const c = src[i] as string;
          if (c === '"') {
            if (src[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            if (i < src.length && src[i] !== ',' && src[i] !== '\n') {
              // Go reports the column just before the offending closing quote.
              return parseError(startLine, line, i - lineStart - 1, 'extraneous or missing " in quoted-field');
            }
            break;
          }
          if (c === '\n') {
            line++;
            lineStart = i + 1;
          }
          field += c;
          i++;
        }
      } else {
        while (i < src.length && src[i] !== ',' && src[i] !== '\n') {
          if (src[i] === '"') return parseError(startLine, line, i - lineStart + 1, 'bare " in non-quoted-field');
          field += src[i];
          i++;
        }
      }
      record.push(field);
      if (src[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    records.push(record);
  }
  return records;
}

function parseError(startLine: number, line: number, column: number, message: string): { error: string } {
  const where = `parse error on line ${line}, column ${column}: ${message}`;
  return { error: startLine === line ? where : `record on line ${startLine}; ${where}` };
}
