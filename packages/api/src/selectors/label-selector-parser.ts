// The string form of label selectors, lexed and parsed as labels.Parse does it, with its messages:
//   app=web,tier!=db,env in (a,b),!legacy,has,version>3
import { aggregateMessage } from '../validation/field-errors';
import { isQualifiedName } from '../validation/names';
import type { LabelOperator, Requirement } from './label-selector';
import { LabelSelectorParseError, newRequirement, Selector, sortRequirements } from './label-selector';

type Tok = 'id' | 'in' | 'notin' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '>' | '<' | 'eos' | 'error';
interface Token {
  tok: Tok;
  lit: string;
}

const SYMBOLS: Record<string, Tok> = { '(': '(', ')': ')', ',': ',', '!': '!', '=': '=', '==': '==', '!=': '!=', '>': '>', '<': '<' };
const SPECIAL = new Set(['!', '=', '(', ')', ',', '>', '<']);
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

function lex(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] ?? '';
    if (isSpace(c)) {
      i++;
    } else if (SPECIAL.has(c)) {
      // Longest symbol that is still a known token ("!=" before "!").
      let sym = c;
      i++;
      while (i < s.length && SPECIAL.has(s[i] ?? '') && SYMBOLS[sym + (s[i] ?? '')] !== undefined) sym += s[i++];
      out.push({ tok: SYMBOLS[sym] ?? 'error', lit: sym });
    } else {
      const start = i;
      while (i < s.length && !isSpace(s[i] ?? '') && !SPECIAL.has(s[i] ?? '')) i++;
      const word = s.slice(start, i);
      out.push({ tok: word === 'in' || word === 'notin' ? word : 'id', lit: word });
    }
  }
  out.push({ tok: 'eos', lit: '' });
  return out;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  /** In value position the keywords in/notin are plain identifiers. */
  private peek(values: boolean): Token {
    const t = this.tokens[this.pos] ?? { tok: 'eos', lit: '' };
    return values && (t.tok === 'in' || t.tok === 'notin') ? { tok: 'id', lit: t.lit } : t;
  }

  private next(values: boolean): Token {
    const t = this.peek(values);
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const t = this.peek(true);
      if (t.tok === 'eos') return reqs;
      if (t.tok !== 'id' && t.tok !== '!') throw new LabelSelectorParseError(`found '${t.lit}', expected: !, identifier, or 'end of string'`);
      reqs.push(this.requirement());
      const sep = this.next(true);
      if (sep.tok === 'eos') return reqs;
      if (sep.tok !== ',') throw new LabelSelectorParseError(`found '${sep.lit}', expected: ',' or 'end of string'`);
      const after = this.peek(true);
      if (after.tok !== 'id' && after.tok !== '!') throw new LabelSelectorParseError(`found '${after.lit}', expected: identifier after ','`);
    }
  }

  private requirement(): Requirement {
    try {
      const [key, inferred] = this.keyAndInferredOperator();
      if (inferred) return this.make(key, inferred, []);
      const op = this.operator();
      const values = op === 'in' || op === 'notin' ? this.valueSet() : this.exactValue();
      return this.make(key, op, values);
    } catch (err) {
      if (err instanceof LabelSelectorParseError) throw new LabelSelectorParseError(`unable to parse requirement: ${err.message}`);
      throw err;
    }
  }

  private make(key: string, op: LabelOperator, values: string[]): Requirement {
    const r = newRequirement(key, op, values);
    if (Array.isArray(r)) throw new LabelSelectorParseError(aggregateMessage(r));
    return r;
  }

  private keyAndInferredOperator(): [string, LabelOperator | undefined] {
    let t = this.next(true);
    let op: LabelOperator | undefined;
    if (t.tok === '!') {
      op = '!';
      t = this.next(true);
    }
    if (t.tok !== 'id') throw new LabelSelectorParseError(`found '${t.lit}', expected: identifier`);
    const msgs = isQualifiedName(t.lit);
    if (msgs.length > 0) throw new LabelSelectorParseError(`invalid label key ${JSON.stringify(t.lit)}: ${msgs.join('; ')}`);
    const after = this.peek(true).tok;
    if ((after === 'eos' || after === ',') && op === undefined) op = 'exists';
    return [t.lit, op];
  }

  private operator(): LabelOperator {
    const t = this.next(false);
    const ops: Partial<Record<Tok, LabelOperator>> = { in: 'in', notin: 'notin', '=': '=', '==': '==', '!=': '!=', '>': 'gt', '<': 'lt' };
    const op = ops[t.tok];
    if (!op) throw new LabelSelectorParseError(`found '${t.lit}', expected: in, notin, =, ==, !=, gt, lt`);
    return op;
  }

  private valueSet(): string[] {
    const open = this.next(true);
    if (open.tok !== '(') throw new LabelSelectorParseError(`found '${open.lit}' expected: '('`);
    const t = this.peek(true);
    if (t.tok === ')') {
      this.next(true);
      return [''];
    }
    if (t.tok !== 'id' && t.tok !== ',') throw new LabelSelectorParseError(`found '${t.lit}', expected: ',', ')' or identifier`);
    const values = this.identifierList();
    const close = this.next(true);
    if (close.tok !== ')') throw new LabelSelectorParseError(`found '${close.lit}', expected: ')'`);
    return values;
  }

  /** Values between the parentheses; empty entries ("(a,,b)", "(,a)") count as the empty value. */
  private identifierList(): string[] {
    const values: string[] = [];
    for (;;) {
      const t = this.next(true);
      if (t.tok === 'id') {
        values.push(t.lit);
        const after = this.peek(true);
        if (after.tok === ',') continue;
        if (after.tok === ')') return values;
        throw new LabelSelectorParseError(`found '${after.lit}', expected: ',' or ')'`);
      }
      if (t.tok !== ',') throw new LabelSelectorParseError(`found '${t.lit}', expected: ',', or identifier`);
      if (values.length === 0) values.push('');
      const after = this.peek(true);
      if (after.tok === ')') {
        values.push('');
        return values;
      }
      if (after.tok === ',') {
        this.next(true);
        values.push('');
      }
    }
  }

  private exactValue(): string[] {
    const t = this.peek(true);
    if (t.tok === 'eos' || t.tok === ',') return [''];
    this.next(true);
    if (t.tok === 'id') return [t.lit];
    throw new LabelSelectorParseError(`found '${t.lit}', expected: identifier`);
  }
}

/** labels.Parse: throws LabelSelectorParseError with Kubernetes' message. "" selects everything. */
export function parseLabelSelector(s: string): Selector {
  return new Selector(sortRequirements(new Parser(lex(s)).parse()));
}
