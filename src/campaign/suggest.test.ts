import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from './suggest.js';

describe('closestName', () => {
  it('suggests a name one typo away, ignoring case', () => {
    expect(closestName('compte', ['compute', 'controller'])).toBe('compute');
    expect(closestName('Compute', ['compute'])).toBe('compute');
    expect(closestName('nova-computer', ['nova-compute', 'nova-conductor'])).toBe('nova-compute');
  });

  it('stays quiet when nothing is close', () => {
    expect(closestName('storage', ['compute', 'controller'])).toBeUndefined();
    expect(closestName('ab', ['xy'])).toBeUndefined();
  });
});

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('gives up at the cap', () => {
    expect(editDistance('aaaaaaaa', 'bbbbbbbb', 2)).toBe(2);
  });
});
