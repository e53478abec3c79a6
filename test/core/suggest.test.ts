// The hints for an unknown name: a likely typo gets its closest name, a shorthand the names that contain it.

import { describe, expect, it } from 'vitest';
import { selectDetections } from '../../src/cli/detect-command.js';
import { containing, unknownNameHint } from '../../src/core/suggest.js';
import { builtinCatalog } from '../../src/detect/catalog.js';

const IDS = ['vertical-port-scan', 'vertical-port-scan-slow', 'horizontal-sweep', 'beacon'];

describe('unknown-name hints', () => {
  it('a typo: the closest name', () => {
    expect(unknownNameHint('beacom', IDS, 'list them')).toBe('did you mean "beacon"?');
  });

  it('a shorthand no typo distance reaches: the names that contain it', () => {
    expect(containing('port-scan', IDS)).toEqual(['vertical-port-scan', 'vertical-port-scan-slow']);
    expect(unknownNameHint('Port-Scan', IDS, 'list them')).toBe(
      'did you mean "vertical-port-scan" or "vertical-port-scan-slow"?',
    );
    expect(unknownNameHint('sweep', IDS, 'list them')).toBe('did you mean "horizontal-sweep"?');
  });

  it('neither: the fallback; two letters are too short to search for', () => {
    expect(unknownNameHint('exfil-volume', IDS, 'list them')).toBe('list them');
    expect(containing('an', IDS)).toEqual([]);
  });

  it('detect --only port-scan names the two port-scan detections of the built-in catalog', () => {
    let hint = '';
    try {
      selectDetections(builtinCatalog(), 'port-scan');
    } catch (err) {
      hint = (err as { hint?: string }).hint ?? '';
    }
    expect(hint).toBe('did you mean "vertical-port-scan" or "vertical-port-scan-slow"?');
  });
});
