import { labelSelectorMatches, LabelSelectorParseError, selectorFromLabelSelector, Selector } from './label-selector';
import { parseLabelSelector } from './label-selector-parser';
import { parseFieldSelector, selectableFields, validateFieldSelector, FieldSelectorError } from './field-selector';

describe('label selector string form', () => {
  it('parses every operator and prints the canonical sorted form', () => {
    const s = parseLabelSelector('tier!=db, app=web,env in (b,a),!legacy,has,x notin (z),v>3');
    expect(s.toString()).toBe('app=web,env in (a,b),has,!legacy,tier!=db,v>3,x notin (z)');
    expect(parseLabelSelector('app==web').toString()).toBe('app==web');
  });

  it('matches equality and set-based requirements', () => {
    const s = parseLabelSelector('app=web,tier!=db,env in (a,b),!legacy,has');
    expect(s.matches({ app: 'web', env: 'a', has: '' })).toBe(true);
    expect(s.matches({ app: 'web', env: 'a', has: '', tier: 'db' })).toBe(false);
    expect(s.matches({ app: 'web', env: 'c', has: '' })).toBe(false);
    expect(s.matches({ app: 'web', env: 'a', has: '', legacy: 'y' })).toBe(false);
    expect(s.matches({ app: 'web', env: 'a' })).toBe(false);
    expect(parseLabelSelector('x notin (a)').matches({})).toBe(true);
    expect(parseLabelSelector('v>3').matches({ v: '4' })).toBe(true);
    expect(parseLabelSelector('v>3').matches({ v: 'x' })).toBe(false);
    expect(parseLabelSelector('').matches({ any: 'thing' })).toBe(true);
    expect(parseLabelSelector('').isEmpty()).toBe(true);
  });

  it('treats in/notin as identifiers where a key or value is expected', () => {
    expect(parseLabelSelector('in=notin').matches({ in: 'notin' })).toBe(true);
  });

  it.each([
    ['app=web,', "found '', expected: identifier after ','"],
    ['app web', "unable to parse requirement: found 'web', expected: in, notin, =, ==, !=, gt, lt"],
    ['!app=x', "found '=', expected: ',' or 'end of string'"],
    ['=web', "found '=', expected: !, identifier, or 'end of string'"],
    ['app in a', "unable to parse requirement: found 'a' expected: '('"],
    ['app in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['app (x)', "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ['v>x', "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer"],
  ])('rejects %j: %s', (input, message) => {
    expect(() => parseLabelSelector(input)).toThrow(new LabelSelectorParseError(message));
  });

  it('rejects invalid keys and values with the validation messages', () => {
    expect(() => parseLabelSelector('a/b/c=x')).toThrow(/invalid label key "a\/b\/c": a qualified name must consist/);
    expect(() => parseLabelSelector('app=-bad-')).toThrow(/values\[0\]\[app\]: Invalid value: "-bad-": a valid label must be an empty string/);
  });
});

describe('LabelSelector objects', () => {
  it('combines matchLabels and matchExpressions', () => {
    const ls = {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'stage'] },
        { key: 'legacy', operator: 'DoesNotExist' },
        { key: 'tier', operator: 'NotIn', values: ['db'] },
        { key: 'team', operator: 'Exists' },
      ],
    };
    expect(selectorFromLabelSelector(ls).toString()).toBe('app=web,env in (prod,stage),!legacy,team,tier notin (db)');
    expect(labelSelectorMatches(ls, { app: 'web', env: 'prod', team: 'a' })).toBe(true);
    expect(labelSelectorMatches(ls, { app: 'web', env: 'prod', team: 'a', tier: 'db' })).toBe(false);
  });

  it('selects nothing when absent and everything when empty', () => {
    expect(labelSelectorMatches(undefined, { a: 'b' })).toBe(false);
    expect(labelSelectorMatches({}, { a: 'b' })).toBe(true);
    expect(Selector.nothing().matches({})).toBe(false);
  });

  it('rejects unknown operators and empty value sets', () => {
    expect(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Equals' }] })).toThrow(
      '"Equals" is not a valid label selector operator',
    );
    expect(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toThrow(
      "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
    );
  });
});

describe('field selectors', () => {
  const pod = { metadata: { name: 'web-1', namespace: 'default' }, spec: { nodeName: 'node-1', restartPolicy: 'Always' }, status: { phase: 'Running' } };

  it('parses and matches pod fields', () => {
    const s = parseFieldSelector('metadata.name=web-1,spec.nodeName!=node-2,status.phase==Running');
    expect(s.requirements).toHaveLength(3);
    expect(validateFieldSelector('pods', s)).toBeUndefined();
    expect(s.matches(selectableFields('pods', pod))).toBe(true);
    expect(parseFieldSelector('spec.nodeName=').matches(selectableFields('pods', pod))).toBe(false);
    expect(parseFieldSelector('spec.nodeName=').matches(selectableFields('pods', { spec: {} }))).toBe(true);
    expect(parseFieldSelector('a=b\\,c').requirements[0]?.value).toBe('b,c');
  });

  it('refuses fields the resource does not support, with the apiserver message', () => {
    const err = validateFieldSelector('configmaps', parseFieldSelector('spec.nodeName=x'));
    expect(err).toEqual(new FieldSelectorError('field label not supported: spec.nodeName'));
    expect(validateFieldSelector('secrets', parseFieldSelector('type=Opaque'))).toBeUndefined();
    expect(validateFieldSelector('nodes', parseFieldSelector('spec.unschedulable=false'))).toBeUndefined();
    expect(validateFieldSelector('events', parseFieldSelector('involvedObject.name=x,reason=Created'))).toBeUndefined();
  });

  it('rejects terms without an operator', () => {
    expect(() => parseFieldSelector('metadata.name')).toThrow("invalid selector: 'metadata.name'; can't understand 'metadata.name'");
  });

  it('exposes node unschedulable and event source as strings', () => {
    expect(selectableFields('nodes', { spec: { unschedulable: true } })['spec.unschedulable']).toBe('true');
    expect(selectableFields('events', { source: { component: 'kubelet' } })['source']).toBe('kubelet');
  });
});
