/** The six apps, in the order they are shown in the header. */
export const APP_NAMES = ['blog', 'market', 'cart', 'events', 'federation', 'account'] as const;
export type AppName = (typeof APP_NAMES)[number];

export function isAppName(value: string): value is AppName {
  return (APP_NAMES as readonly string[]).includes(value);
}
