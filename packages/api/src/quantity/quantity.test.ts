import { Quantity, QUANTITY_ERRORS, QuantityParseError, canonicalQuantity } from './quantity';

describe('Quantity', () => {
  it.each([
    ['500m', '500m'],
    ['0.5', '500m'],
    ['1', '1'],
    ['1000m', '1'],
    ['1.5', '1500m'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1.5Gi', '1536Mi'],
    ['0.5Ki', '512'],
    // An exponent keeps its format: Kubernetes prints "1e3", not "1k" (quantity_test.go's table).
    ['1e3', '1e3'],
    ['1E3', '1e3'],
    ['1e-3', '1e-3'],
    ['0.08e0', '80e-3'],
    ['300e6', '300e6'],
    ['0.001e12', '1e9'],
    ['1000e-12', '1e-9'],
    ['1000', '1k'],
    ['128974848', '128974848'],
    ['129e6', '129e6'],
    ['129M', '129M'],
    ['123Mi', '123Mi'],
    ['12e6', '12e6'],
    ['1500', '1500'],
    ['0.1n', '1n'],
    ['-0.1n', '-1n'],
    ['1u', '1u'],
    ['0', '0'],
    ['-5Mi', '-5Mi'],
    ['+2k', '2k'],
    ['.5', '500m'],
    ['5.', '5'],
    ['1E', '1E'],
    ['100Ki', '100Ki'],
  ])('%s is canonically %s', (input, expected) => {
    expect(canonicalQuantity(input)).toBe(expected);
  });

  it.each([
    ['', QUANTITY_ERRORS.formatWrong],
    ['abc', QUANTITY_ERRORS.formatWrong],
    ['1.2.3', QUANTITY_ERRORS.formatWrong],
    ['1Gb', QUANTITY_ERRORS.formatWrong],
    ['1 Gi', QUANTITY_ERRORS.formatWrong],
    ['1e', QUANTITY_ERRORS.suffix],
    ['1iG', QUANTITY_ERRORS.suffix],
    ['1mi', QUANTITY_ERRORS.suffix],
  ])('rejects %j with "%s"', (input, message) => {
    expect(() => Quantity.parse(input)).toThrow(new QuantityParseError(message));
    expect(Quantity.tryParse(input)).toBeInstanceOf(QuantityParseError);
  });

  it("uses Kubernetes' message for the format error", () => {
    expect(QUANTITY_ERRORS.formatWrong).toBe(
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
  });

  it('compares across formats', () => {
    const q = (s: string) => Quantity.parse(s);
    expect(q('129e6').cmp(q('129M'))).toBe(0);
    expect(q('123Mi').value()).toBe(128974848n);
    expect(q('128974848').equals(q('123Mi'))).toBe(true);
    expect(q('129M').cmp(q('123Mi'))).toBe(1);
    expect(q('500m').cmp(q('0.5'))).toBe(0);
    expect(q('1').cmp(q('1001m'))).toBe(-1);
  });

  it('adds and subtracts keeping the first operand format', () => {
    expect(Quantity.parse('1Gi').add(Quantity.parse('512Mi')).toString()).toBe('1536Mi');
    expect(Quantity.parse('100m').add(Quantity.parse('1')).toString()).toBe('1100m');
    expect(Quantity.parse('0').add(Quantity.parse('1Ki')).toString()).toBe('1Ki');
    expect(Quantity.parse('1').sub(Quantity.parse('250m')).toString()).toBe('750m');
  });

  it('computes milli and integer values rounding up', () => {
    expect(Quantity.parse('0.5').milliValue()).toBe(500n);
    expect(Quantity.parse('1n').milliValue()).toBe(1n);
    expect(Quantity.parse('1500m').value()).toBe(2n);
    expect(Quantity.parse('2Ki').value()).toBe(2048n);
    expect(Quantity.fromMilli(250).toString()).toBe('250m');
    expect(JSON.stringify({ cpu: Quantity.parse('0.25') })).toBe('{"cpu":"250m"}');
  });
});
