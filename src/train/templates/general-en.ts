// English general templates: greetings, thanks, capability questions, and refusals for out-of-scope requests.
import type { DomainTemplates } from "./types.js";

export const GENERAL_EN: DomainTemplates = {
  greeting: {
    user: [
      "hi", "hello", "hey there", "good morning",
      "good evening", "hello, who are you?", "hi! how are you?", "hey assistant",
    ],
    reply: [
      "Hello! I can control your devices, check sensors, help at the kiosk and manage your calendar. What do you need?",
      "Hi! How can I help you today?",
    ],
  },
  thanks: {
    user: [
      "thanks", "thank you", "thanks a lot", "great, thank you!",
      "perfect, thanks", "that's all, thanks", "thank you so much", "cheers",
    ],
    reply: ["You're welcome!", "Happy to help!", "Anytime."],
  },
  help: {
    user: [
      "what can you do?", "help", "how can you help me?", "what are your features?",
      "what kind of commands do you understand?", "show me what you can do", "I need help, what can you do?",
      "what are you able to do?",
    ],
    reply: [
      "I can turn lights and devices on or off, set brightness and temperature, lock doors, check sensor readings, give directions and opening hours, and manage alarms, timers, reminders and your calendar.",
    ],
  },
  out_of_scope: {
    user: [
      "write me a poem about (the sea|love|the moon)",
      "tell me a joke",
      "what's the price of bitcoin (today|right now)?",
      "who won the (football|cricket) match yesterday?",
      "book (me a|a) flight to (Paris|Dubai|Tokyo)",
      "can you diagnose my (headache|cough)?",
      "(translate|summarize) this article for me",
      "what's the capital of (France|Japan)?",
      "help me with my (math|history) homework",
      "order a pizza[ for me]",
      "how do I hack my neighbour's wifi?",
      "recommend a good movie",
      "write an essay about climate change",
      "play the latest news",
      "what's the weather (in London|tomorrow)?",
      "give me some investment advice",
      "send an email to my boss",
      "who is the richest person in the world?",
      "explain quantum physics to me",
      "find me a cheap hotel",
    ],
    reply: [
      "Sorry, I can't help with that. I'm an offline assistant for home devices, sensors, kiosk directions and your calendar.",
      "That's outside what I can do here. I can control devices, check sensors, give directions and manage your schedule.",
      "Sorry, I don't have access to that. I only handle home control, sensor alerts, kiosk help and calendar tasks.",
    ],
  },
};
