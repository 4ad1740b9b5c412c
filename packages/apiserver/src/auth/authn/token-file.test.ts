import { parseCsv, parseTokenFile } from './token-file';

describe('parseTokenFile', () => {
  it('reads token,user,uid and quoted comma-separated groups', () => {
    const parsed = parseTokenFile('s3cret,alice,uid-1,"dev,ops"\nt0ken,bob,uid-2\n\n');
    expect(parsed).toEqual({
      ok: true,
      warnings: [],
      tokens: new Map([
        ['s3cret', { username: 'alice', uid: 'uid-1', groups: ['dev', 'ops'] }],
        ['t0ken', { username: 'bob', uid: 'uid-2', groups: [] }],
      ]),
    });
  });

  it('skips short records and empty tokens with kube-apiserver warnings; a repeated token wins last', () => {
    const parsed = parseTokenFile('a,b\n,nobody,0\ndup,first,1\ndup,second,2\n', 'tokens.csv');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.warnings).toEqual([
      "token file 'tokens.csv' must have at least 3 columns (token, user name, user uid), found 2",
      "empty token has been found in token file 'tokens.csv', record number '1'",
      "duplicate token has been found in token file 'tokens.csv', record number '3'",
    ]);
    expect(parsed.tokens.get('dup')?.username).toBe('second');
    expect(parsed.tokens.size).toBe(1);
  });

  it('rejects the file on a CSV syntax error, giving line and column as Go does', () => {
    expect(parseTokenFile('ok,alice,1\nbad"token,bob,2\n')).toEqual({ ok: false, error: 'parse error on line 2, column 4: bare " in non-quoted-field' });
    // A quote left open runs to the end of the file; the error names where the record began.
    expect(parseTokenFile('ok,alice,1,"dev\n')).toEqual({
      ok: false,
      error: 'record on line 1; parse error on line 2, column 1: extraneous or missing " in quoted-field',
    });
    expect(parseTokenFile('t,u,1,"a"b\n')).toEqual({ ok: false, error: 'parse error on line 1, column 8: extraneous or missing " in quoted-field' });
  });
});

describe('parseCsv', () => {
  it('handles doubled quotes, quoted newlines and CRLF', () => {
    expect(parseCsv('a,"x ""y""",c\r\n"multi\nline",2\r\n')).toEqual([
      ['a', 'x "y"', 'c'],
      ['multi\nline', '2'],
    ]);
  });
});
