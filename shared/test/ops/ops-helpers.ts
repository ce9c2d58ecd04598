import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Repository root (this file is shared/test/ops/ops-helpers.ts). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export const APPS = ['blog', 'market', 'cart', 'events', 'federation', 'account'] as const;

export const DEFAULT_REGISTRY = 'registry.rose-ash.com:5000';

export function readRepoFile(path: string): string {
  return readFileSync(new URL(path, `file://${repoRoot}`), 'utf8');
}

/** True when `command` can be run (e.g. shellcheck, docker). */
export function hasCommand(command: string, args: string[] = ['--version']): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
}

/**
 * Minimal .dockerignore matcher with Docker's semantics: patterns are relative to the context
 * root, `*` and `?` stay within one path segment, `**` spans any number of segments, `!`
 * re-includes, the last matching rule wins, and a rule matching a directory covers
 * everything below it.
 */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negated, regex: globToRegExp(pattern) };
    });
  return (path: string) => {
    const segments = path.split('/');
    const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) {
      if (candidates.some((candidate) => rule.regex.test(candidate))) excluded = !rule.negated;
    }
    return excluded;
  };
}

function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` matches zero or more directories; a trailing `**` matches anything.
      if (pattern[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else {
      out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${out}$`);
}

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Splits a Dockerfile into instructions (continuation lines joined, comments dropped). */
export function dockerfileInstructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** Groups instructions by `FROM` (the global ARGs before the first FROM belong to no stage). */
export function dockerfileStages(list: Instruction[]): Stage[] {
  const out: Stage[] = [];
  for (const instruction of list) {
    if (instruction.keyword === 'FROM') {
      const [from = '', as, name] = instruction.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      out.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      out.at(-1)?.instructions.push(instruction);
    }
  }
  return out;
}

/** The default of `ARG name=value` (the first one declared). */
export function argDefault(list: Instruction[], name: string): string | undefined {
  for (const { keyword, args } of list) {
    const match = new RegExp(`^${name}=(\\S+)$`).exec(args);
    if (keyword === 'ARG' && match) return match[1];
  }
  return undefined;
}

/** Splits the arguments of RUN/COPY into the leading `--flag` options and the rest. */
export function splitFlags(args: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let rest = args;
  for (let match = /^(--\S+)\s+/.exec(rest); match; match = /^(--\S+)\s+/.exec(rest)) {
    flags.push(match[1]!);
    rest = rest.slice(match[0].length);
  }
  return { flags, rest };
}

/** The command an app entrypoint (`<app>/entrypoint.sh`) hands over to: its `exec <path> "$@"`. */
export function entrypointTarget(thinScript: string): string | undefined {
  return /^exec (\S+) "\$@"$/m.exec(thinScript)?.[1];
}
