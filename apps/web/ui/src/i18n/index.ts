import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import commonEn from './common.en';
import commonPl from './common.pl';
import residentEn from './resident.en';
import residentPl from './resident.pl';
import voteEn from './vote.en';
import votePl from './vote.pl';
import adminEn from './admin.en';
import adminPl from './admin.pl';
import resultsEn from './results.en';
import resultsPl from './results.pl';
import auditEn from './audit.en';
import auditPl from './audit.pl';
import notifyEn from './notify.en';
import notifyPl from './notify.pl';

/**
 * English and Polish. Each area keeps its strings in <area>.en.ts / <area>.pl.ts under its own top-level key
 * (common, resident, vote, admin, results, audit); a key missing in Polish falls back to English and is
 * caught by the translation-completeness unit test. The choice is kept in localStorage (and `?lang=pl`
 * in a link sets it), so it survives page changes and reloads.
 */
export const LANGUAGES = ['en', 'pl'] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = 'plaza.lang';

export const resources = {
  en: { translation: { ...commonEn, ...residentEn, ...voteEn, ...adminEn, ...resultsEn, ...auditEn, ...notifyEn } },
  pl: { translation: { ...commonPl, ...residentPl, ...votePl, ...adminPl, ...resultsPl, ...auditPl, ...notifyPl } },
};

export function initialLanguage(): Language {
  const fromUrl = new URLSearchParams(window.location.search).get('lang');
  if (fromUrl === 'en' || fromUrl === 'pl') {
    localStorage.setItem(STORAGE_KEY, fromUrl);
    return fromUrl;
  }
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'pl') return stored;
  return navigator.languages?.some((l) => l.toLowerCase().startsWith('pl')) ? 'pl' : 'en';
}

export function setLanguage(language: Language): void {
  localStorage.setItem(STORAGE_KEY, language);
  void i18n.changeLanguage(language);
}

i18n.on('languageChanged', (lng) => {
  document.documentElement.lang = lng;
});

void i18n.use(initReactI18next).init({
  resources,
  lng: initialLanguage(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
});
document.documentElement.lang = i18n.language;

export default i18n;
