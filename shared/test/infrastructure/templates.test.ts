import { describe, expect, it } from 'vitest';
import { formatDate } from '../../src/infrastructure/templates.ts';

describe('formatDate', () => {
  it('keeps what each formatter made, never mixing styles, zones or instants', () => {
    const at = new Date('2026-01-02T23:30:00Z');
    const london = formatDate(at, 'date', 'Europe/London');
    expect(london).toBe('2 January 2026');
    // The same instant in another zone and another style, then again: each its own answer.
    expect(formatDate(at, 'date', 'Asia/Tokyo')).toBe('3 January 2026');
    expect(formatDate(at, 'datetime', 'Europe/London')).toBe('2 Jan 2026, 23:30');
    expect(formatDate(at.toISOString(), 'date', 'Europe/London')).toBe(london);
    expect(formatDate(new Date('2026-01-03T00:30:00Z'), 'date', 'Europe/London')).toBe('3 January 2026');
    expect(formatDate('not a date', 'date', 'Europe/London')).toBe('');
  });
});
