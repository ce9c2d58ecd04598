import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/src/config/index.ts';
import { testConfig } from '../../shared/src/testing/config.ts';
import { blogSettings } from '../src/services/settings.ts';

function problems(fn: () => unknown): string[] {
  try {
    fn();
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('blog settings', () => {
  it('merges blog/config/defaults.yaml under the blog: section of app-config.yaml and names bad keys', () => {
    expect(blogSettings(testConfig()).posts_per_page).toBe(10);
    expect(blogSettings(testConfig({ overrides: { blog: { posts_per_page: 3 } } })).posts_per_page).toBe(3);
    expect(
      problems(() => blogSettings(testConfig({ overrides: { blog: { feed_items: 'many' } } }))).join(),
    ).toContain('blog.feed_items');
  });
});
