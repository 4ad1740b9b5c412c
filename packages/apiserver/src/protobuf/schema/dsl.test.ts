// The schema notation: Go types and JSON options parse to the field shapes the decoder relies on,
// and a schema that contradicts itself is refused when it loads, not on some later request.
import { definePackage } from './dsl';
import { Schema, SCHEMA } from './registry';
import { PROTOBUF_KINDS } from '../kinds';

test('Go types map to protobuf shapes and presence', () => {
  const [def] = definePackage('example.v1', {
    Thing: `
      1 name     string
      2 count    *int32            omitempty
      3 tags     []string          omitempty
      4 data     map[string][]byte omitempty
      5 raw      []byte
      6 ref      *Thing            omitempty
      7 embedded Thing             inline`,
  });
  expect(def?.fullName).toBe('example.v1.Thing');
  expect(def?.fields.map((f) => [f.id, f.name, f.type, f.map, f.repeated, f.pointer, f.omitempty, f.inline])).toEqual([
    [1, 'name', { scalar: 'string' }, false, false, false, false, false],
    [2, 'count', { scalar: 'int32' }, false, false, true, true, false],
    [3, 'tags', { scalar: 'string' }, false, true, false, true, false],
    [4, 'data', { scalar: 'bytes' }, true, false, false, true, false],
    [5, 'raw', { scalar: 'bytes' }, false, false, false, false, false],
    [6, 'ref', { message: 'Thing' }, false, false, true, true, false],
    [7, 'embedded', { message: 'Thing' }, false, false, false, false, true],
  ]);
});

test('a schema that contradicts itself fails to load', () => {
  expect(() => definePackage('x', { A: '1 a string\n1 b string' })).toThrow('uses field number 1 twice');
  expect(() => definePackage('x', { A: '1 a float64' })).toThrow('unsupported Go type float64');
  expect(() => definePackage('x', { A: '1 a string omitEmpty' })).toThrow('unknown option omitEmpty');
  expect(() => new Schema(definePackage('x', { A: '1 b Missing' }))).toThrow('no message named Missing');
  expect(() => new Schema([...definePackage('x', { A: '1 a string' }), ...definePackage('y', { A: '1 a string' })])).toThrow('defined twice');
});

test('every kind decoded from protobuf has its message under its Kubernetes package name', () => {
  for (const { apiVersion, message } of PROTOBUF_KINDS) {
    const def = SCHEMA.message(message);
    // k8s.io/api/<first label of the group>/<version>, "core" for the legacy group.
    const pkg = apiVersion.includes('/') ? apiVersion.split('/')[0]?.split('.')[0] : 'core';
    expect(SCHEMA.root.lookupType(def.fullName).fullName).toBe(`.k8s.io.api.${pkg}.v1.${message}`);
  }
});
