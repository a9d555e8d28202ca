import { describe, expect, it } from 'vitest';
import { formatProblems, problemLines, type DocumentProblem } from './problems.js';

const problem = (path: string, line: number, message: string): DocumentProblem => ({
  file: 'inv.yaml',
  line,
  column: 15,
  path,
  expected: 'a version',
  found: '"6.1 beta"',
  message,
});

describe('problem lines', () => {
  it('says a problem that aliases lead to by many paths once, and counts the other paths', () => {
    const bad = 'invalid version "6.1 beta"';
    const problems = [
      problem('spec.hosts[0].components.kernel', 12, bad),
      problem('spec.hosts[0].capacity', 12, 'missing required field "vcpu"'),
      ...Array.from({ length: 5 }, (_, i) =>
        problem(`spec.hosts[${i + 1}].components.kernel`, 12, bad),
      ),
      problem('spec.hosts[9].name', 40, 'duplicate host "h1"'),
    ];
    expect(problemLines(problems)).toEqual([
      'inv.yaml:12:15 spec.hosts[0].components.kernel: invalid version "6.1 beta"',
      '  the same at 5 more path(s) to that place: spec.hosts[1].components.kernel, spec.hosts[2].components.kernel, spec.hosts[3].components.kernel and 2 more',
      'inv.yaml:12:15 spec.hosts[0].capacity: missing required field "vcpu"',
      'inv.yaml:40:15 spec.hosts[9].name: duplicate host "h1"',
    ]);
    expect(formatProblems(problems, 2).split('\n')).toHaveLength(3);
  });

  it('keeps one line per problem where each is at its own place', () => {
    const problems = [problem('a', 1, 'x'), problem('b', 2, 'x'), problem('c', 3, 'y')];
    expect(problemLines(problems)).toHaveLength(3);
  });
});
