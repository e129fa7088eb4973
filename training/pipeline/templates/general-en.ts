// English general templates: greetings, thanks, capability questions, and refusals for out-of-scope requests.
import type { DomainTemplates } from "./types.js";

export const GENERAL_EN: DomainTemplates = {
  greeting: {
    user: [
      "(hi|hello|hey)[ there]", "good (morning|afternoon|evening)", "hello, who are you?", "hey assistant",
      "(hi|hello), are you there?", "hi! how are you?", "good (morning|evening), assistant", "hey, what's up?",
      "hello again", "(hi|hey), anyone there?", "yo", "greetings",
    ],
    reply: [
      "Hello! I can control your devices, check sensors, help at the kiosk and manage your calendar. What do you need?",
      "Hi! How can I help you today?",
    ],
  },
  thanks: {
    user: [
      "thanks", "thank you[ very much]", "thanks a lot", "great, thank you!",
      "perfect, thanks", "that's all, thanks", "(ok|okay), thank you", "cheers",
      "thanks, that helps", "much appreciated", "awesome, thanks", "nice, thank you",
    ],
    reply: ["You're welcome!", "Happy to help!", "Anytime."],
  },
  help: {
    user: [
      "what can you do?", "help", "how can you help me?", "what are your features?",
      "what kind of commands do you understand?", "show me what you can do", "I need help, what can you do?",
      "what are you able to do?", "what do you do?", "list your skills", "(help me|help), please", "what can I ask you?",
    ],
    reply: [
      "I can turn lights and devices on or off, set brightness and temperature, lock doors, check sensor readings, give directions and opening hours, and manage alarms, timers, reminders and your calendar.",
    ],
  },
  out_of_scope: {
    user: [
      "(write|compose) (me a|a) (poem|story|song|limerick) about (the sea|love|the moon|my cat|football|rain|summer)",
      "tell me a (joke|riddle|fun fact|bedtime story)",
      "what's the (price|value) of (bitcoin|gold|Apple shares|the dollar) (today|right now)?",
      "who won the (football|cricket|tennis|basketball) (match|game|final) (yesterday|last night)?",
      "book (me a|a) (flight|train ticket|bus ticket|hotel room) (to|in) (Paris|Dubai|Tokyo|Delhi|London)",
      "can you diagnose my (headache|cough|back pain|fever)?",
      "(translate|summarize|proofread) this (article|email|letter|paragraph) for me",
      "what's the (capital|population|currency) of (France|Japan|Brazil|Canada|Egypt)?",
      "help me with my (math|history|physics|chemistry) homework",
      "order (a pizza|some food|groceries|a taxi)[ for me]",
      "how do I hack (my neighbour's wifi|a phone|an email account)?",
      "(recommend|suggest) a good (movie|book|restaurant|podcast)",
      "write an essay about (climate change|democracy|technology|my hometown)",
      "(play|read) the latest (news|headlines|sports scores)",
      "what's the weather (in London|tomorrow|this weekend|in Dhaka)?",
      "give me some (investment|legal|medical|dating) advice",
      "send (an email|a text|a message) to my (boss|mom|friend)",
      "who is the (richest person|best footballer|tallest person) in the world?",
      "explain (quantum physics|black holes|inflation|machine learning) to me",
      "find me a (cheap hotel|good dentist|new job|used car)",
      "what is the meaning of life?",
      "(sing|play) me a song",
      "(do|file) my taxes[ for me]",
      "what's (2 plus 2|the square root of 144|15 times 7)?",
    ],
    reply: [
      "Sorry, I can't help with that. I'm an offline assistant for home devices, sensors, kiosk directions and your calendar.",
      "That's outside what I can do here. I can control devices, check sensors, give directions and manage your schedule.",
      "Sorry, I don't have access to that. I only handle home control, sensor alerts, kiosk help and calendar tasks.",
    ],
  },
};
