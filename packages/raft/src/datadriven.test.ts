import { describeMismatch, lineDiff, parseCommandLine, parseScript, runScript, ScriptParseError } from './datadriven';

describe('parseCommandLine', () => {
  test('positional, key=value and list arguments', () => {
    expect(parseCommandLine('deliver-msgs drop=(2,3) 1 type=MsgApp')).toEqual({
      cmd: 'deliver-msgs',
      args: [
        { key: 'drop', vals: ['2', '3'] },
        { key: '1', vals: [] },
        { key: 'type', vals: ['MsgApp'] },
      ],
    });
  });

  test('lists may hold spaces, be empty, and bare parenthesized groups are positional', () => {
    expect(parseCommandLine('add-nodes 3 voters=(1, 2 ,3) learners=()').args).toEqual([
      { key: '3', vals: [] },
      { key: 'voters', vals: ['1', '2', '3'] },
      { key: 'learners', vals: [] },
    ]);
    expect(parseCommandLine('partition (1) (2,3)').args).toEqual([
      { key: '(1)', vals: [] },
      { key: '(2,3)', vals: [] },
    ]);
  });

  test('double quotes keep spaces and = inside one argument', () => {
    expect(parseCommandLine('propose 1 "a b=c" ctx="x y"').args).toEqual([
      { key: '1', vals: [] },
      { key: 'a b=c', vals: [] },
      { key: 'ctx', vals: ['x y'] },
    ]);
  });

  test('malformed lines are errors with their position', () => {
    expect(() => parseCommandLine('deliver-msgs drop=(2,3', 'f.txt', 7)).toThrow(/f\.txt:7: unbalanced "\("/);
    expect(() => parseCommandLine('deliver-msgs drop=2,3)', 'f.txt', 7)).toThrow(/unbalanced "\)"/);
    expect(() => parseCommandLine('propose 1 "open', 'f.txt', 7)).toThrow(/unterminated quote/);
    expect(() => parseCommandLine('x =1')).toThrow(/has no key/);
  });
});

const SCRIPT = `# A comment before the first block.
# Another one.

campaign 1
----
ok

# Between blocks.
deliver-msgs drop=(2,3) 1
first input line
second input line
----
1->2 MsgVote
1->3 MsgVote

empty
----

fenced
----
----
line one

line three
----
----
last
----
tail output
`;

describe('parseScript', () => {
  test('blocks, comments, input lines, empty and fenced outputs, positions', () => {
    const blocks = parseScript(SCRIPT, 't.txt');
    expect(blocks.map((b) => [b.line, b.cmd, b.input, b.expected])).toEqual([
      [4, 'campaign', '', 'ok\n'],
      [9, 'deliver-msgs', 'first input line\nsecond input line', '1->2 MsgVote\n1->3 MsgVote\n'],
      [16, 'empty', '', ''],
      [19, 'fenced', '', 'line one\n\nline three\n'],
      [27, 'last', '', 'tail output\n'],
    ]);
    expect(blocks[1]?.args).toEqual([
      { key: 'drop', vals: ['2', '3'] },
      { key: '1', vals: [] },
    ]);
    expect(blocks[1]?.cmdLine).toBe('deliver-msgs drop=(2,3) 1');
  });

  test('a command without separator, or an unterminated fence, is an error', () => {
    expect(() => parseScript('campaign 1\nok\n', 'a.txt')).toThrow(ScriptParseError);
    expect(() => parseScript('campaign 1\nok\n', 'a.txt')).toThrow(/a\.txt:1: command "campaign 1" has no ---- separator/);
    expect(() => parseScript('x\n----\n----\nfoo\n', 'a.txt')).toThrow(/a\.txt:2: unterminated/);
  });

  test('a file of only comments has no blocks', () => {
    expect(parseScript('# nothing\n\n# here\n')).toEqual([]);
  });
});

describe('runScript', () => {
  const echo = (text: string) => runScript(text, 'e.txt', (b) => b.input);

  test('matching outputs give no mismatch', () => {
    const run = echo('echo\nhello\n----\nhello\n\necho\n----\n');
    expect(run.results).toHaveLength(2);
    expect(run.mismatches).toEqual([]);
  });

  test('a differing output is a mismatch with a readable diff', () => {
    const run = echo('# c\necho\na\nb\nc\n----\na\nX\nc\n');
    expect(run.mismatches).toHaveLength(1);
    const report = describeMismatch(run.mismatches[0]!);
    expect(report).toContain('e.txt:2: output of "echo" differs (- expected, + actual)');
    expect(report).toContain('  a\n- X\n+ b\n  c');
    expect(report).toContain('UPDATE_GOLDEN=1');
  });

  test('rewrite replaces outputs only, fencing those with blank lines', () => {
    const text = '# keep me\necho\nnew\n----\nold\nolder\n\n# and me\necho\n\nx\n----\n\necho\n----\n';
    const run = echo(text);
    expect(run.rewrite()).toBe('# keep me\necho\nnew\n----\nnew\n\n# and me\necho\n\nx\n----\n----\n\nx\n----\n----\n\necho\n----\n');
    // The rewritten file parses back to outputs equal to what the handler produced.
    expect(echo(run.rewrite()).mismatches).toEqual([]);
    // Rewriting a file that already matches changes nothing.
    expect(echo(run.rewrite()).rewrite()).toBe(run.rewrite());
  });

  test('a handler that throws fails the run with the block position', () => {
    expect(() =>
      runScript('ok\n----\n\nboom\n----\n', 'b.txt', (b) => {
        if (b.cmd === 'boom') throw new Error('kaput');
        return '';
      }),
    ).toThrow('b.txt:4: "boom" failed: kaput');
  });
});

describe('lineDiff', () => {
  test('collapses long unchanged runs', () => {
    const exp = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n') + '\n';
    const act = exp.replace('l10\n', 'L10\n');
    expect(lineDiff(exp, act, 1)).toBe('  ...\n  l9\n- l10\n+ L10\n  l11\n  ...');
  });

  test('empty sides', () => {
    expect(lineDiff('', 'a\n')).toBe('+ a');
    expect(lineDiff('a\n', '')).toBe('- a');
  });
});
