// English kiosk templates: directions and opening hours for places in a building.
import type { DomainTemplates } from "./types.js";

export const KIOSK_EN: DomainTemplates = {
  kiosk_directions: {
    user: [
      "where is the {place}?",
      "how do I get to the {place}?",
      "(can|could) you show me the way to the {place}?",
      "I'm looking for the {place}",
      "which way to the {place}?",
      "where can I find the {place}?",
      "(directions|the way) to the {place}[ please]",
      "take me to the {place}",
      "excuse me, where's the {place}?",
      "I can't find the {place}, can you help?",
      "how far is the {place} from here?",
      "show me the {place} on the map",
    ],
    reply: [
      "The {place} is marked on the map. Follow the highlighted route from this kiosk.",
      "I've highlighted the way to the {place} on the screen map.",
      "Sure! Follow the arrows on the screen to reach the {place}.",
    ],
  },
  kiosk_hours: {
    user: [
      "what time does the {place} (open|close)?",
      "when is the {place} open?",
      "(opening|business) hours of the {place}[ please]",
      "is the {place} open (now|right now|today)?",
      "until when is the {place} open?",
      "how late is the {place} open?",
      "when does the {place} close today?",
      "tell me the hours for the {place}",
      "is the {place} still open?",
      "what are the {place} hours?",
      "when does the {place} open tomorrow?",
      "can you check if the {place} is open?",
    ],
    reply: [
      "The opening hours of the {place} are on the screen now.",
      "Here are today's hours for the {place}; I've put them on the display.",
      "Let me pull up the {place} hours for you. They're on the screen.",
    ],
  },
};
