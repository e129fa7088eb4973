// Bangla kiosk templates: directions and opening hours for places in a building.
import type { DomainTemplates } from "./types.js";

export const KIOSK_BN: DomainTemplates = {
  kiosk_directions: {
    user: [
      "{place} কোথায়?",
      "{place.loc} কীভাবে যাব?",
      "{place.gen} পথটা দেখিয়ে দিন",
      "আমি {place} খুঁজছি",
      "{place} কোন দিকে?",
      "এখানে কাছাকাছি {place} আছে?",
      "{place.loc} যাওয়ার রাস্তা বলুন",
      "{place} কোথায় পাব?",
      "শুনুন, {place} কোথায় বলতে পারেন?",
      "{place} খুঁজে পাচ্ছি না, একটু সাহায্য করবেন?",
      "এখান থেকে {place} কত দূর?",
      "ম্যাপে {place} দেখাও",
    ],
    reply: [
      "{place.gen} পথ ম্যাপে দেখানো হয়েছে। স্ক্রিনের তীর চিহ্ন অনুসরণ করুন।",
      "স্ক্রিনের ম্যাপে {place.gen} রাস্তা হাইলাইট করে দিয়েছি।",
      "অবশ্যই! স্ক্রিনের তীর ধরে {place.loc} পৌঁছে যাবেন।",
    ],
  },
  kiosk_hours: {
    user: [
      "{place} কখন (খোলে|বন্ধ হয়)?",
      "{place} কয়টা পর্যন্ত খোলা?",
      "{place.gen} খোলার সময় কখন?",
      "{place} কি এখন খোলা?",
      "আজ {place} কখন বন্ধ হবে?",
      "{place.gen} সময়সূচি বলুন",
      "{place} কয়টায় খোলে?",
      "{place} কতক্ষণ খোলা থাকে?",
      "{place} কি এখনো খোলা আছে?",
      "{place.gen} খোলার সময় কী?",
      "কাল {place} কখন খুলবে?",
      "{place} খোলা কি না দেখে বলবেন?",
    ],
    reply: [
      "{place.gen} খোলার সময় এখন স্ক্রিনে দেখানো হচ্ছে।",
      "আজকের জন্য {place.gen} সময়সূচি স্ক্রিনে দেওয়া হলো।",
      "{place.gen} সময়সূচি স্ক্রিনে দেখুন।",
    ],
  },
};
