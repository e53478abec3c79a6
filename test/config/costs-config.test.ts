// costs: in flowwatch.yaml: the estimates' region and price table file, checked with positions.

import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, pricesFile } from '../../src/config/config.js';

const fail = (text: string): ConfigError => {
  try {
    parseConfig('/etc/fw/flowwatch.yaml', text);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('costs:', () => {
  it('reads region and prices; the price file is relative to the configuration', () => {
    const c = parseConfig('/etc/fw/flowwatch.yaml', 'costs:\n  region: eu-west-1\n  prices: prices.json\n');
    expect(c.costs).toEqual({ region: 'eu-west-1', prices: 'prices.json' });
    expect(pricesFile(c)).toBe('/etc/fw/prices.json');
    expect(pricesFile(parseConfig('/etc/fw/flowwatch.yaml', 'costs: { prices: /opt/p.json }\n'))).toBe(
      '/opt/p.json',
    );
    expect(pricesFile(parseConfig('/etc/fw/flowwatch.yaml', 'metricFilters: []\n'))).toBeUndefined();
  });

  it('refuses an unknown key and a value that is not a string, at their line', () => {
    const e = fail('costs:\n  region: eu-west-1\n  price: p.json\n');
    expect(e.code).toBe('CONFIG_UNKNOWN_KEY');
    expect(e.line).toBe(3);
    const t = fail('costs:\n  region: [a, b]\n');
    expect(t.code).toBe('CONFIG_TYPE');
    expect(t.line).toBe(2);
    expect(fail('costs: 5\n').code).toBe('CONFIG_TYPE');
  });
});
