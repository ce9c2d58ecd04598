/**
 * The booking rules every app applies the same way (the events pages, and the account's
 * "cancel" later): how many seats a member may hold per entry and until when they may cancel.
 * They live under `events: booking:` in app-config.yaml; the events app validates that section
 * at boot with this same schema (events/src/services/settings.ts).
 */
import { z } from 'zod';
import type { AppConfig } from '../../config/index.ts';

export const BookingPolicySchema = z
  .object({
    /** Seats one member may hold on one entry. */
    max_seats_per_member: z.number().int().min(1).max(100).default(4),
    /** Hours before the start after which a member can no longer cancel (0: until it starts). */
    cancel_cutoff_hours: z
      .number()
      .min(0)
      .max(24 * 30)
      .default(24),
  })
  .strict();
export type BookingPolicySettings = z.infer<typeof BookingPolicySchema>;

export interface BookingPolicy {
  maxSeatsPerMember: number;
  cancelCutoffMs: number;
}

/** The policy from `events.booking` in the configuration (defaults when absent). */
export function bookingPolicyOf(config: AppConfig): BookingPolicy {
  const section = (config.file as Record<string, unknown>)['events'] as Record<string, unknown> | undefined;
  const parsed = BookingPolicySchema.parse(section?.['booking'] ?? {});
  return {
    maxSeatsPerMember: parsed.max_seats_per_member,
    cancelCutoffMs: parsed.cancel_cutoff_hours * 3_600_000,
  };
}
