/**
 * The golden interaction tests: every packages/raft/testdata/*.txt script is run against a fresh
 * InteractionEnv and its transcript compared with the one checked in. UPDATE_GOLDEN=1 rewrites
 * the files with the actual transcripts instead; review the diff (`git diff packages/raft/testdata`)
 * as you would review code: it must show correct Raft behaviour.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeMismatch } from './datadriven';
import { runInteractionScript } from './interaction-commands';

const TESTDATA = path.join(__dirname, '..', 'testdata');
const files = fs.readdirSync(TESTDATA).filter((f) => f.endsWith('.txt')).sort();
const update = process.env.UPDATE_GOLDEN === '1';

describe('golden interaction transcripts', () => {
  test('there are scripts', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  test.each(files)('%s', (f) => {
    const file = path.join(TESTDATA, f);
    const text = fs.readFileSync(file, 'utf8');
    // Every script says what it checks and which part of the Raft paper, before its first command.
    expect(text.startsWith('#')).toBe(true);
    expect(text.slice(0, text.indexOf('\n\n'))).toMatch(/§/);
    const run = runInteractionScript(text, path.relative(process.cwd(), file));
    if (update) {
      const rewritten = run.rewrite();
      if (rewritten !== text) fs.writeFileSync(file, rewritten);
      return;
    }
    if (run.mismatches.length > 0) {
      const shown = run.mismatches.slice(0, 3).map(describeMismatch).join('\n\n');
      const more = run.mismatches.length > 3 ? `\n\n(and ${run.mismatches.length - 3} more differing blocks)` : '';
      throw new Error(`${run.mismatches.length} block(s) differ from the golden transcript\n\n${shown}${more}`);
    }
  });
});

describe('the interaction runner', () => {
  const SCRIPT = `# in memory
add-nodes 3 voters=(1,2,3) index=10
----
1: Follower (Voter) Term:1 Lead:0 Commit:10 Applied:10
2: Follower (Voter) Term:1 Lead:0 Commit:10 Applied:10
3: Follower (Voter) Term:1 Lead:0 Commit:10 Applied:10

campaign 1
----
ok

raft-state
----
1: Leader (Voter) Term:7 Lead:1 Commit:10 Applied:10
2: Follower (Voter) Term:1 Lead:0 Commit:10 Applied:10
3: Follower (Voter) Term:1 Lead:0 Commit:10 Applied:10
`;

  test('reports a transcript that differs, with file, line and diff', () => {
    const run = runInteractionScript(SCRIPT, 'mem.txt');
    expect(run.results).toHaveLength(3);
    expect(run.mismatches).toHaveLength(1);
    const report = describeMismatch(run.mismatches[0]!);
    expect(report).toContain('mem.txt:12: output of "raft-state" differs');
    expect(report).toContain('- 1: Leader (Voter) Term:7 Lead:1 Commit:10 Applied:10');
    expect(report).toContain('+ 1: Candidate (Voter) Term:2 Lead:0 Commit:10 Applied:10');
  });

  test('a script error fails the run instead of being recorded', () => {
    expect(() => runInteractionScript('add-nodes 1\n----\n\nfrobnicate 1\n----\n', 'mem.txt')).toThrow(
      /mem\.txt:4: "frobnicate 1" failed: unknown command "frobnicate"/,
    );
    expect(() => runInteractionScript('add-nodes 1\n----\n\ncompact 1 5\n----\n', 'mem.txt')).toThrow(/run "snapshot 1" first/);
  });

  test('log-level puts the core log records into the transcript', () => {
    const script = 'add-nodes 1\n----\n\nlog-level debug\n----\n\ncampaign 1\n----\n\nlog-level none\n----\n\ncampaign 1\n----\n';
    const outputs = runInteractionScript(script, 'mem.txt').results.map((r) => r.actual);
    expect(outputs[2]).toMatch(/^DEBUG 1: \S/m);
    expect(outputs[2]).not.toMatch(/timestamp/);
    expect(outputs[4]).toBe('ok\n');
  });
});
