// Shared shapes of the corpus template files: per intent, user phrasings and assistant replies in one language.

export const INTENTS = [
  "lights_on", "lights_off", "set_brightness", "set_temperature", "device_on", "device_off", "lock_door", "unlock_door",
  "sensor_alert",
  "kiosk_directions", "kiosk_hours",
  "calendar_add", "calendar_query", "set_alarm", "set_timer", "set_reminder",
  "greeting", "thanks", "help", "out_of_scope",
] as const;
export type Intent = (typeof INTENTS)[number];

/**
 * User templates and reply templates for one intent in one language. A reply is chosen among those whose slots
 * are all present in the rendered user text, preferring the ones that mention the most slots.
 * Every 4th user template (index % 4 === 3) is reserved for the test split.
 */
export interface IntentTemplates {
  user: readonly string[];
  reply: readonly string[];
}

export type DomainTemplates = Partial<Record<Intent, IntentTemplates>>;
