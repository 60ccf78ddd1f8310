/**
 * Fault injection per route pattern: added latency, and rates of 429 (with Retry-After), 503 and
 * dropped connections, so clients' retry and error paths can be exercised on purpose.
 */
import { randomUUID } from 'node:crypto';

/** A fault rule as the control API accepts it. */
export interface FaultRuleInput {
  /**
   * Path pattern: a glob where `*` matches any characters (`/v1.0/users*`, `*` + `/oauth2/v2.0/token`),
   * or a regular expression after `re:` (`re:^/v1\.0/groups/[^/]+/members$`).
   */
  pattern: string;
  /** Methods the rule applies to (default: all). */
  methods?: string[];
  /** Delay before the request is handled, in ms (default 0). */
  latencyMs?: number;
  /** Share of matching requests answered 429 (0–1, default 0). */
  rate429?: number;
  /** Share answered 503 (0–1, default 0). */
  rate503?: number;
  /** Share whose connection is destroyed without an answer (0–1, default 0). */
  rateDrop?: number;
  /** `Retry-After` seconds on injected 429/503 (default 1; fractions allowed, as Graph sends). */
  retryAfterSeconds?: number;
}

/** A stored rule. */
export interface FaultRule extends Required<Omit<FaultRuleInput, 'methods'>> {
  readonly id: string;
  readonly methods: string[] | null;
}

/** What to do with one request. */
export interface FaultDecision {
  latencyMs: number;
  action: 'none' | 'status429' | 'status503' | 'drop';
  retryAfterSeconds: number;
}

/** Thrown for a rule the control API must refuse. */
export class FaultRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultRuleError';
  }
}

/** Holds the rules and draws outcomes (with an injectable random source for deterministic tests). */
export class FaultInjector {
  readonly #random: () => number;
  #rules: { rule: FaultRule; matcher: RegExp }[] = [];

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /** Current rules, in evaluation order. */
  list(): FaultRule[] {
    return this.#rules.map(({ rule }) => rule);
  }

  /** Adds a rule after the existing ones. */
  add(input: FaultRuleInput): FaultRule {
    const entry = compile(input);
    this.#rules.push(entry);
    return entry.rule;
  }

  /** Replaces every rule (all validated before any is applied). */
  replace(inputs: readonly FaultRuleInput[]): FaultRule[] {
    const compiled = inputs.map(compile);
    this.#rules = compiled;
    return this.list();
  }

  /** Removes one rule. */
  remove(id: string): boolean {
    const before = this.#rules.length;
    this.#rules = this.#rules.filter(({ rule }) => rule.id !== id);
    return this.#rules.length < before;
  }

  /** Removes every rule. */
  clear(): void {
    this.#rules = [];
  }

  /** Latencies of all matching rules add up; the first rule whose draw hits decides the fault. */
  decide(method: string, pathname: string): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0, action: 'none', retryAfterSeconds: 0 };
    for (const { rule, matcher } of this.#rules) {
      if (rule.methods && !rule.methods.includes(method.toUpperCase())) continue;
      if (!matcher.test(pathname)) continue;
      decision.latencyMs += rule.latencyMs;
      if (decision.action !== 'none') continue;
      const draw = this.#random();
      if (draw < rule.rate429) decision.action = 'status429';
      else if (draw < rule.rate429 + rule.rate503) decision.action = 'status503';
      else if (draw < rule.rate429 + rule.rate503 + rule.rateDrop) decision.action = 'drop';
      if (decision.action !== 'none') decision.retryAfterSeconds = rule.retryAfterSeconds;
    }
    return decision;
  }
}

function compile(input: FaultRuleInput): { rule: FaultRule; matcher: RegExp } {
  if (typeof input?.pattern !== 'string' || input.pattern.length === 0)
    throw new FaultRuleError('pattern is required.');
  const rate = (name: 'rate429' | 'rate503' | 'rateDrop'): number => {
    const value = input[name] ?? 0;
    if (typeof value !== 'number' || !(value >= 0 && value <= 1))
      throw new FaultRuleError(`${name} must be between 0 and 1.`);
    return value;
  };
  const rule: FaultRule = {
    id: randomUUID(),
    pattern: input.pattern,
    methods: input.methods ? input.methods.map((method) => method.toUpperCase()) : null,
    latencyMs: nonNegative(input.latencyMs ?? 0, 'latencyMs'),
    rate429: rate('rate429'),
    rate503: rate('rate503'),
    rateDrop: rate('rateDrop'),
    retryAfterSeconds: nonNegative(input.retryAfterSeconds ?? 1, 'retryAfterSeconds'),
  };
  if (rule.rate429 + rule.rate503 + rule.rateDrop > 1)
    throw new FaultRuleError('The rates add up to more than 1.');
  return { rule, matcher: toMatcher(input.pattern) };
}

function nonNegative(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new FaultRuleError(`${name} must be a number ≥ 0.`);
  return value;
}

/** `re:<regex>` or a glob where `*` matches anything; globs match the whole path. */
export function toMatcher(pattern: string): RegExp {
  if (pattern.startsWith('re:')) {
    try {
      return new RegExp(pattern.slice(3));
    } catch {
      throw new FaultRuleError(`Invalid regular expression ${pattern}.`);
    }
  }
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}
