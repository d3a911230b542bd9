import { duplicateJsonKeys } from './duplicate-json-keys';

describe('duplicateJsonKeys', () => {
  it('finds a key repeated in one object, which JSON.parse would hide', () => {
    const line = '{"level":"info","service":"parley-embedded","service":"identity","msg":"up"}';
    expect(JSON.parse(line)).toEqual({ level: 'info', service: 'identity', msg: 'up' });
    expect(duplicateJsonKeys(line)).toEqual(['service']);
  });

  it('names repeats inside nested objects and arrays by their path', () => {
    expect(duplicateJsonKeys('{"a":{"b":1,"b":2},"list":[{"c":1,"c":1}]}')).toEqual(['a.b', 'list.[].c']);
  });

  it('accepts the same key in different objects, and key-like text inside strings', () => {
    expect(duplicateJsonKeys('{"a":{"id":1},"b":{"id":2},"msg":"\\"a\\":1, \\"a\\":2","x":["a","a"]}')).toEqual([]);
  });
});
